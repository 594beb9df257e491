#!/usr/bin/env python3
"""lint_check.py: the lint tests (ctest label "lint", cmake/miniter_lint.cmake).

  lint_check.py format SOURCE_DIR [--fix]
      fails naming every C++ file of miniter's own that clang-format
      (.clang-format) would change; --fix formats them in place instead.
  lint_check.py tidy SOURCE_DIR BUILD_DIR [-j N] [--dirs DIR...]
      runs clang-tidy (.clang-tidy) through run-clang-tidy on every
      translation unit under TIDY_DIRS (or --dirs) in
      BUILD_DIR/compile_commands.json and fails on any finding.

"Miniter's own" is the C++ under PROJECT_DIRS; generated code lives in the
build tree and third-party code comes from Debian, so neither is looked at.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys

PROJECT_DIRS = ("server", "client", "tools", "tests")
# clang-tidy costs 5 to 6 s of CPU per translation unit here (its matchers
# walk gRPC's and protobuf's headers too): all 167 of PROJECT_DIRS would add
# some 8 minutes to a 2-core CI run, the 82 that ship (TIDY_DIRS) about 4.
# `--dirs server client tools tests` checks the suites too.
TIDY_DIRS = ("server", "client", "tools")
CXX_SUFFIXES = (".cc", ".h")


def fail(message):
    print(f"lint_check: {message}", file=sys.stderr)
    sys.exit(1)


def need(program):
    if shutil.which(program) is None:
        fail(f"{program} not found (scripts/install-deps.sh --test installs it)")


def project_files(source_dir):
    """The project's C++ files: tracked ones in a git checkout, else a walk."""
    if os.path.exists(os.path.join(source_dir, ".git")):
        listed = subprocess.run(
            ["git", "-C", source_dir, "ls-files", "-z", "--", *PROJECT_DIRS],
            check=True, capture_output=True, text=True).stdout.split("\0")
    else:
        listed = []
        for top in PROJECT_DIRS:
            for root, _, names in os.walk(os.path.join(source_dir, top)):
                listed += [os.path.relpath(os.path.join(root, n), source_dir)
                           for n in names]
    return sorted(f for f in listed if f.endswith(CXX_SUFFIXES))


def check_format(source_dir, fix):
    need("clang-format")
    files = project_files(source_dir)
    if not files:
        fail(f"no C++ files found under {', '.join(PROJECT_DIRS)} in {source_dir}")
    if fix:
        subprocess.run(["clang-format", "-i", *files], cwd=source_dir, check=True)
        print(f"formatted {len(files)} files")
        return 0

    def unformatted(path):
        run = subprocess.run(["clang-format", "--dry-run", "-Werror", path],
                             cwd=source_dir, capture_output=True, text=True)
        return path if run.returncode != 0 else None

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        bad = [f for f in pool.map(unformatted, files) if f]
    if bad:
        print(f"{len(bad)} of {len(files)} files are not formatted as "
              ".clang-format says:")
        print("\n".join(f"  {f}" for f in bad))
        print(f"Fix with: {sys.argv[0]} format --fix {source_dir}")
        return 1
    print(f"all {len(files)} files are formatted")
    return 0


# run-clang-tidy prints each command it runs and clang-tidy's count of
# suppressed warnings (from system headers); neither is a finding.
NOISE = re.compile(r"^(\S*clang-tidy\S* -|\d+ warnings? (and \d+ errors? )?generated|"
                   r"Suppressed \d+ warnings|Use -header-filter|"
                   r"Enabled checks:|Error while processing)")


# run-clang-tidy 14 always passes --use-color.
COLOR = re.compile(r"\x1b\[[0-9;]*m")


def check_tidy(source_dir, build_dir, jobs, dirs):
    need("clang-tidy")
    need("run-clang-tidy")
    if not os.path.exists(os.path.join(build_dir, "compile_commands.json")):
        fail(f"no compile_commands.json in {build_dir} (CMAKE_EXPORT_COMPILE_COMMANDS)")
    source_dir = os.path.realpath(source_dir)
    # A regex on the absolute path of each translation unit.
    files = "^" + re.escape(source_dir) + "/(" + "|".join(dirs) + ")/"
    run = subprocess.run(
        ["run-clang-tidy", "-p", build_dir, "-quiet", "-j", str(jobs), files],
        capture_output=True, text=True)
    output = COLOR.sub("", run.stdout + run.stderr)
    findings = [line for line in output.splitlines()
                if line.strip() and not NOISE.match(line)]
    if run.returncode != 0 or findings:
        print("\n".join(findings))
        print(f"clang-tidy: findings above (run-clang-tidy exit code "
              f"{run.returncode}); fix them, or say in .clang-tidy why a check "
              "does not fit")
        return 1
    print("clang-tidy: no findings")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    fmt = sub.add_parser("format", help="clang-format --dry-run over the project")
    fmt.add_argument("source_dir")
    fmt.add_argument("--fix", action="store_true", help="clang-format -i them")
    tidy = sub.add_parser("tidy", help="clang-tidy over the project's sources")
    tidy.add_argument("source_dir")
    tidy.add_argument("build_dir")
    tidy.add_argument("-j", "--jobs", type=int, default=2)
    tidy.add_argument("--dirs", nargs="+", choices=PROJECT_DIRS,
                      default=list(TIDY_DIRS))
    args = parser.parse_args()
    if args.mode == "format":
        return check_format(args.source_dir, args.fix)
    return check_tidy(args.source_dir, args.build_dir, args.jobs, args.dirs)


if __name__ == "__main__":
    sys.exit(main())
