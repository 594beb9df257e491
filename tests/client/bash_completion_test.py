#!/usr/bin/env python3
"""bash_completion_test.py: the bash completion of the miniter CLI.

Checks the script the build writes (and `cmake --install` installs) is valid
bash, is what `miniter completion bash` prints, and, run the way bash runs
it (COMP_WORDS/COMP_CWORD, then _miniter), offers every command, and after
each command exactly that command's flags and the global ones, as
`miniter help <command>` lists them.

  bash_completion_test.py --miniter build/client/miniter \
      --script build/client/miniter.bash
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import unittest

# The interface the CLI has always had (README.md, docs/ and scripts use
# it); the completion must offer all of it.
COMMAND_FLAGS = {
    "signup": ["--name=", "--email=", "--profile=", "--password="],
    "login": ["--email=", "--password=", "--print_token"],
    "tweet": ["--text=", "--request_id="],
    "follow": ["--user_id="],
    "unfollow": ["--user_id="],
    "timeline": ["--user_id=", "--page_size=", "--page_token="],
    "user": ["--user_id="],
    "search": ["--page_size=", "--page_token="],
    "tweets": ["--user_id=", "--page_size=", "--page_token="],
    "following": ["--user_id=", "--page_size=", "--page_token="],
    "followers": ["--user_id=", "--page_size=", "--page_token="],
    "logout": [],
    "watch": ["--resume_cursor="],
    "help": [],
    "completion": [],
}
GLOBAL_FLAGS = ["--server=", "--json", "--deadline=", "--tls",
                "--tls_ca_file=", "--version", "--help"]

ARGS = None


def complete(words, cwd=None):
    """COMPREPLY of _miniter for `words`, the last one being completed."""
    program = ('source "$1"; shift; COMP_WORDS=("$@"); '
               'COMP_CWORD=$(($# - 1)); _miniter; '
               'printf "%s\\n" "${COMPREPLY[@]}"')
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program, "bash",
         os.path.abspath(ARGS.script)] + words,
        capture_output=True, text=True, cwd=cwd, check=False)
    if result.returncode != 0:
        raise AssertionError("bash failed (%d): %s" %
                             (result.returncode, result.stderr))
    return sorted(line for line in result.stdout.split("\n") if line)


def help_flags(command):
    """The flags `miniter help <command>` lists, spelled as offered."""
    result = subprocess.run([ARGS.miniter, "help", command],
                            capture_output=True, text=True, check=True)
    flags = []
    for line in result.stdout.split("\n"):
        match = re.match(r"  (?:-\w, )?(--\w+)(=)?", line)
        if match:
            flags.append(match.group(1) + (match.group(2) or ""))
    return sorted(flags)


class BashCompletionTest(unittest.TestCase):

    def test_script_is_valid_bash(self):
        result = subprocess.run(["bash", "-n", ARGS.script],
                                capture_output=True, text=True, check=False)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_script_is_what_the_binary_prints(self):
        printed = subprocess.run([ARGS.miniter, "completion", "bash"],
                                 capture_output=True, text=True, check=True)
        with open(ARGS.script, encoding="utf-8") as f:
            self.assertEqual(f.read(), printed.stdout)

    def test_offers_every_command(self):
        self.assertEqual(complete(["miniter", ""]), sorted(COMMAND_FLAGS))
        self.assertEqual(complete(["miniter", "un"]), ["unfollow"])

    def test_offers_each_commands_flags_and_the_global_ones(self):
        for command, flags in COMMAND_FLAGS.items():
            with self.subTest(command=command):
                offered = complete(["miniter", command, "--"])
                self.assertEqual(offered, sorted(flags + GLOBAL_FLAGS))
                self.assertEqual(offered, help_flags(command))

    def test_offers_global_flags_before_the_command(self):
        self.assertEqual(complete(["miniter", "--"]), sorted(GLOBAL_FLAGS))
        self.assertEqual(complete(["miniter", "--se"]), ["--server="])

    def test_finds_the_command_after_global_flags_and_their_values(self):
        for words in (["miniter", "--server", "h:1", "--json", "timeline"],
                      # bash's default COMP_WORDBREAKS splits at '='
                      ["miniter", "--server", "=", "h", ":", "1",
                       "timeline"],
                      # and at ':'
                      ["miniter", "--server", "h", ":", "1", "timeline"],
                      # bash-completion's _init_completion -n = does not
                      ["miniter", "--server=h:1", "timeline"],
                      ["miniter", "--json", "=", "false", "timeline"]):
            with self.subTest(words=words):
                self.assertEqual(complete(words + ["--page_s"]),
                                 ["--page_size="])
                self.assertEqual(complete(words + [""]), [])

    def test_completes_command_names_after_help_and_the_shell(self):
        self.assertEqual(complete(["miniter", "help", "tw"]),
                         ["tweet", "tweets"])
        self.assertEqual(complete(["miniter", "help", "follow"]),
                         ["follow", "followers", "following"])
        self.assertEqual(complete(["miniter", "completion", ""]), ["bash"])

    def test_a_flag_value_is_not_completed_with_flags(self):
        self.assertEqual(complete(["miniter", "--server", ""]), [])
        self.assertEqual(complete(["miniter", "--server", "="]), [])
        self.assertEqual(complete(["miniter", "--server", "=", "h", ":"]), [])
        self.assertEqual(
            complete(["miniter", "--server", "=", "h", ":", "5"]), [])
        self.assertEqual(complete(["miniter", "login", "--email", "=", "a"]),
                         [])

    def test_ca_file_values_are_file_names(self):
        with tempfile.TemporaryDirectory() as tmp:
            open(os.path.join(tmp, "ca.pem"), "w").close()
            self.assertEqual(
                complete(["miniter", "--tls_ca_file", "=", "c"], cwd=tmp),
                ["ca.pem"])
            self.assertEqual(
                complete(["miniter", "--tls_ca_file", "="], cwd=tmp),
                ["ca.pem"])
            self.assertEqual(
                complete(["miniter", "--tls_ca_file", "c"], cwd=tmp),
                ["ca.pem"])
            self.assertEqual(
                complete(["miniter", "--tls_ca_file=c"], cwd=tmp),
                ["--tls_ca_file=ca.pem"])


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--miniter", required=True,
                        help="the miniter binary")
    parser.add_argument("--script", required=True,
                        help="the completion script the build wrote")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
