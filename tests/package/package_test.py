#!/usr/bin/env python3
"""package_test.py: the ctest "package_deb" -- the .deb that `cpack` makes
(cmake/miniter_deb.cmake) installs a server that runs as its unit says.

  package_test.py --cpack CPACK --cpack-config CPackConfig.cmake
                  --version X.Y.Z --work-dir DIR

1. cpack builds the package into DIR;
2. dpkg-deb: its control fields, conffiles, maintainer scripts and exactly
   the files it should hold (owners, modes); the binaries are stripped and
   its Depends names the package of every library they link
   (dpkg-shlibdeps worked);
3. systemd-analyze verifies the unit (its ExecStart pointed at the unpacked
   binary) and rates its hardening offline against the unpacked tree; the
   settings the docs promise are there;
4. dpkg -x unpacks it into a scratch root (this machine is not changed);
   the secrets go where docs/operations.md tells an operator to put them;
5. the server is started the way systemd would: the unit's ExecStart with
   %d (its credentials directory, filled from LoadCredential=), Environment=
   and the EnvironmentFile, a clean environment, and -- when run as root --
   an unprivileged user with no capabilities and no_new_privs; against the
   test MariaDB of fixture miniter_db ($MINITER_TEST_DATABASE_URL_FILE);
6. the installed miniter CLI signs up, logs in, tweets and reads the
   timeline; SIGTERM then stops the server with exit status 0.
Not emulated: the mount namespaces (ProtectSystem=, PrivateTmp=, ...) and
the system call filter, which only systemd can set up.
"""
import argparse
import json
import os
import pathlib
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

UNIT = "miniter.service"
UNIT_PATH = "/usr/lib/systemd/system/" + UNIT
ENV_FILE = "/etc/miniter/miniter.env"
# Every regular file of the package, with its mode; nothing else (no
# headers, static libraries or CMake files: those are for developers).
EXPECTED_FILES = {
    "/usr/bin/miniter-server": "-rwxr-xr-x",
    "/usr/bin/miniter": "-rwxr-xr-x",
    "/usr/share/bash-completion/completions/miniter": "-rw-r--r--",
    UNIT_PATH: "-rw-r--r--",
    ENV_FILE: "-rw-------",
}
MAINTAINER_SCRIPTS = ("postinst", "prerm", "postrm")
# Settings docs/operations.md promises; each must appear in [Service].
REQUIRED_HARDENING = {
    "DynamicUser": "yes",
    "NoNewPrivileges": "yes",
    "CapabilityBoundingSet": "",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "SystemCallFilter": "@system-service",
    "MemoryDenyWriteExecute": "yes",
}
# systemd-analyze security's exposure (0 best, 10 worst). The unit rates
# 1.6 with systemd 252: the list above guards each promised setting, this
# bound the sum of all the others.
MAX_EXPOSURE = 2.5
NOBODY = 65534
START_DEADLINE_S = 60     # the server waits up to 30 s for the database
STOP_DEADLINE_S = 30      # --shutdown_grace defaults to 10 s
PASSWORD = "correct horse battery package"


class Failure(Exception):
    """A check failed; the message says which and why."""


def step(text):
    print("==", text, flush=True)


def run(argv, **kwargs):
    """Runs argv; its output, or a Failure carrying its stderr."""
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise Failure("%s exited %d:\n%s%s" % (
            shlex.join(str(a) for a in argv), result.returncode,
            result.stdout, result.stderr))
    return result.stdout


def build_package(cpack, config, work_dir, version):
    out_dir = work_dir / "cpack"
    run([cpack, "--config", config, "-B", out_dir])
    debs = sorted(out_dir.glob("*.deb"))
    arch = run(["dpkg", "--print-architecture"]).strip()
    expected = out_dir / ("miniter_%s_%s.deb" % (version, arch))
    if debs != [expected]:
        raise Failure("cpack made %s, not just %s" % (debs, expected))
    return expected


def control_fields(deb):
    """The control file's fields as a dict (continuation lines joined)."""
    fields, name = {}, None
    for line in run(["dpkg-deb", "--field", deb]).splitlines():
        if line[:1] in (" ", "\t") and name:
            fields[name] += "\n" + line.strip()
        elif ":" in line:
            name, value = line.split(":", 1)
            fields[name] = value.strip()
    return fields


def package_names(depends):
    """The package names of a Depends value (alternatives included)."""
    names = set()
    for clause in depends.split(","):
        for alternative in clause.split("|"):
            names.add(re.sub(r"[\s(:].*$", "", alternative.strip()))
    return names


def check_control(deb, version, work_dir):
    fields = control_fields(deb)
    for name, want in (("Package", "miniter"), ("Version", version)):
        if fields.get(name) != want:
            raise Failure("control field %s is %r, not %r" %
                          (name, fields.get(name), want))
    for name in ("Maintainer", "Description", "Depends"):
        if not fields.get(name):
            raise Failure("control field %s is missing" % name)
    control_dir = work_dir / "control"
    shutil.rmtree(control_dir, ignore_errors=True)
    run(["dpkg-deb", "--control", deb, control_dir])
    conffiles = (control_dir / "conffiles").read_text().split()
    if conffiles != [ENV_FILE]:
        raise Failure("conffiles lists %s, not just %s" % (conffiles, ENV_FILE))
    for script in MAINTAINER_SCRIPTS:
        path = control_dir / script
        if not path.is_file() or not os.access(path, os.X_OK):
            raise Failure("maintainer script %s is missing or not executable"
                          % script)
        run(["sh", "-n", path])
    return package_names(fields["Depends"])


def check_contents(deb):
    files = {}
    for line in run(["dpkg-deb", "--contents", deb]).splitlines():
        # -rw-r--r-- root/root 1234 2026-11-30 02:00 ./usr/bin/miniter
        parts = line.split(None, 5)
        mode, owner, path = parts[0], parts[1], parts[5]
        if owner != "root/root":
            raise Failure("%s is owned by %s, not root/root" % (path, owner))
        if not mode.startswith("d"):
            files[path[1:]] = mode
    if files != EXPECTED_FILES:
        raise Failure("the package holds\n  %s\nnot\n  %s" % (
            "\n  ".join("%s %s" % (m, p) for p, m in sorted(files.items())),
            "\n  ".join("%s %s" % (m, p)
                        for p, m in sorted(EXPECTED_FILES.items()))))


def owning_package(library):
    """The installed package that holds this library file."""
    real = os.path.realpath(library)
    candidates = {library, real}
    for path in list(candidates):
        if path.startswith("/usr/"):
            candidates.add(path[len("/usr"):])
        else:
            candidates.add("/usr" + path)
    for path in sorted(candidates):
        result = subprocess.run(["dpkg-query", "--search", path],
                                capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":")[0].strip()
    raise Failure("no installed package holds %s" % library)


def check_binaries(root, depends):
    """The binaries are stripped, and each library they name (DT_NEEDED)
    comes from a package the .deb depends on, or the installed server would
    not start on another machine."""
    for binary in ("/usr/bin/miniter-server", "/usr/bin/miniter"):
        path = str(root) + binary
        if ".debug_info" in run(["readelf", "--section-headers", path]):
            raise Failure("%s still has its debug information" % binary)
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]",
                            run(["readelf", "--dynamic", path]))
        resolved = dict(re.findall(r"^\s*(\S+) => (/\S+)",
                                   run(["ldd", path]), re.MULTILINE))
        for library in needed:
            if library not in resolved:
                raise Failure("%s needs %s, which ldd does not find" %
                              (binary, library))
            package = owning_package(resolved[library])
            if package not in depends:
                raise Failure("%s needs %s from %s, which Depends lacks (%s)"
                              % (binary, library, package,
                                 ", ".join(sorted(depends))))


def parse_unit(path):
    """{section: {key: [values in order]}}; an empty assignment resets
    a list as systemd does."""
    sections, current = {}, None
    text = path.read_text().replace("\\\n", " ")
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        values = current.setdefault(key.strip(), [])
        if not value.strip():
            values.clear()
        values.append(value.strip())
    return sections


def check_unit_settings(service):
    for key, want in REQUIRED_HARDENING.items():
        if want not in service.get(key, []):
            raise Failure("%s: [Service] lacks %s=%s" % (UNIT, key, want))


def systemd_analyze(root, service, work_dir):
    """verify must print nothing; security's exposure must stay low.

    verify --root would also need the system's own units (sysinit.target)
    in the scratch root, so verify reads a copy of the unit whose ExecStart
    names the unpacked binary instead, which it then checks is there."""
    binary = shlex.split(service["ExecStart"][-1].lstrip("-@:+!"))[0]
    unit_dir = work_dir / "verify"
    unit_dir.mkdir()
    text = (root / UNIT_PATH.lstrip("/")).read_text()
    (unit_dir / UNIT).write_text(text.replace(binary, str(root) + binary))
    result = subprocess.run(["systemd-analyze", "verify", unit_dir / UNIT],
                            capture_output=True, text=True)
    if result.returncode != 0 or result.stdout.strip() or result.stderr.strip():
        raise Failure("systemd-analyze verify (exit %d):\n%s%s" % (
            result.returncode, result.stdout, result.stderr))
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--root=%s" % root,
         "--threshold=%d" % round(MAX_EXPOSURE * 10), "--no-pager", UNIT_PATH],
        capture_output=True, text=True)
    exposure = re.search(r"Overall exposure level for \S+: ([0-9.]+)",
                         result.stdout)
    if result.returncode != 0 or not exposure:
        raise Failure("systemd-analyze security: exposure above %.1f "
                      "(exit %d):\n%s%s" % (MAX_EXPOSURE, result.returncode,
                                            result.stdout, result.stderr))
    print("systemd-analyze security: exposure %s" % exposure.group(1))


def read_environment_file(path):
    """NAME=value lines as systemd reads them (comments, optional quotes)."""
    env = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise Failure("%s: not NAME=value: %r" % (path, raw))
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[name.strip()] = value
    return env


def expand_specifiers(text, credentials_dir):
    """The specifiers this unit may use; any other fails the test, so a
    new one gets emulated here before the unit relies on it."""
    def one(match):
        spec = match.group(1)
        if spec == "d":
            return str(credentials_dir)
        if spec == "%":
            return "%"
        raise Failure("%s uses specifier %%%s, which this test does not "
                      "emulate" % (UNIT, spec))
    return re.sub(r"%(.)", one, text)


def expand_variables(word, env):
    return re.sub(r"\$\{(\w+)\}|\$(\w+)",
                  lambda m: env.get(m.group(1) or m.group(2), ""), word)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def configure_like_an_operator(root, database_url_file, port):
    """What docs/operations.md tells an operator to do after installing."""
    etc = root / "etc/miniter"
    shutil.copyfile(database_url_file, etc / "database_url")
    (etc / "token_secret").write_text(secrets.token_hex(32) + "\n")
    for name in ("database_url", "token_secret"):
        os.chmod(etc / name, 0o600)
    env_file = root / ENV_FILE.lstrip("/")
    text = env_file.read_text()
    shipped = "MINITER_LISTEN=127.0.0.1:50051\n"
    if shipped not in text:
        raise Failure("%s no longer sets %s" % (ENV_FILE, shipped.strip()))
    env_file.write_text(text.replace(shipped,
                                     "MINITER_LISTEN=127.0.0.1:%d\n" % port))


def service_command(root, service, credentials_dir, as_nobody):
    """argv and environment of ExecStart, prepared as systemd would."""
    for entry in service.get("LoadCredential", []):
        name, _, source = entry.partition(":")
        target = credentials_dir / name
        shutil.copyfile(root / source.lstrip("/"), target)
        os.chmod(target, 0o400)
        if as_nobody:
            os.chown(target, NOBODY, NOBODY)
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "CREDENTIALS_DIRECTORY": str(credentials_dir)}
    for line in service.get("Environment", []):
        for assignment in shlex.split(expand_specifiers(line, credentials_dir)):
            name, _, value = assignment.partition("=")
            env[name] = value
    for entry in service.get("EnvironmentFile", []):
        optional = entry.startswith("-")
        path = root / entry.lstrip("-").lstrip("/")
        if path.exists() or not optional:
            env.update(read_environment_file(path))
    exec_start = service.get("ExecStart", [])
    if len(exec_start) != 1:
        raise Failure("%s: expected one ExecStart=, found %d" %
                      (UNIT, len(exec_start)))
    line = expand_specifiers(exec_start[0].lstrip("-@:+!"), credentials_dir)
    argv = [expand_variables(word, env) for word in shlex.split(line)]
    if not argv[0].startswith("/"):
        raise Failure("ExecStart must name the binary by its full path")
    argv[0] = str(root) + argv[0]
    if as_nobody:
        argv = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                "--clear-groups", "--no-new-privs", "--bounding-set=-all",
                "--inh-caps=-all", "--"] + argv
    return argv, env


def wait_until_listening(server, port, log_path):
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise Failure("the server exited %d while starting:\n%s" %
                          (server.returncode, log_path.read_text()))
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise Failure("the server did not listen on port %d within %d s:\n%s" %
                  (port, START_DEADLINE_S, log_path.read_text()))


def use_the_cli(root, port, home):
    """SignUp, Login, Tweet and Timeline through the installed CLI."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
           "MINITER_SERVER": "127.0.0.1:%d" % port}
    cli = [str(root / "usr/bin/miniter"), "--json"]
    tag = uuid.uuid4().hex[:12]
    email = "package-%s@example.com" % tag
    text = "installed from the .deb %s" % tag
    run(cli + ["signup", "--name=Package Test", "--email=" + email,
               "--password=" + PASSWORD], env=env)
    run(cli + ["login", "--email=" + email, "--password=" + PASSWORD], env=env)
    json.loads(run(cli + ["tweet", text], env=env))
    timeline = run(cli + ["timeline"], env=env)
    json.loads(timeline)
    if text not in timeline:
        raise Failure("the timeline lacks the tweet %r:\n%s" % (text, timeline))


def stop(server, log_path):
    server.send_signal(signal.SIGTERM)
    try:
        status = server.wait(timeout=STOP_DEADLINE_S)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        raise Failure("the server did not stop within %d s of SIGTERM:\n%s" %
                      (STOP_DEADLINE_S, log_path.read_text()))
    if status != 0:
        raise Failure("the server exited %d after SIGTERM:\n%s" %
                      (status, log_path.read_text()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpack", required=True)
    parser.add_argument("--cpack-config", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--work-dir", required=True, type=pathlib.Path)
    args = parser.parse_args()
    database_url_file = os.environ.get("MINITER_TEST_DATABASE_URL_FILE")
    if not database_url_file:
        raise Failure("run through ctest (fixture miniter_db)")

    work_dir = args.work_dir.resolve()
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    step("cpack")
    deb = build_package(args.cpack, args.cpack_config, work_dir, args.version)
    step("dpkg-deb --field/--control/--contents %s" % deb.name)
    depends = check_control(deb, args.version, work_dir)
    check_contents(deb)

    as_nobody = os.geteuid() == 0
    # Under /tmp, not the build tree: an unprivileged user must be able to
    # reach the binaries and its credentials.
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="miniter-package-"))
    server = None
    try:
        os.chmod(scratch, 0o755)
        root = scratch / "root"
        step("dpkg -x into %s" % root)
        run(["dpkg", "-x", deb, root])
        check_binaries(root, depends)
        step("systemd-analyze verify/security")
        service = parse_unit(root / UNIT_PATH.lstrip("/")).get("Service", {})
        check_unit_settings(service)
        systemd_analyze(root, service, work_dir)

        port = free_port()
        configure_like_an_operator(root, database_url_file, port)
        credentials_dir = scratch / "credentials"
        credentials_dir.mkdir(mode=0o700)
        if as_nobody:
            os.chown(credentials_dir, NOBODY, NOBODY)
        argv, env = service_command(root, service, credentials_dir, as_nobody)
        step("ExecStart: %s" % shlex.join(argv))
        log_path = work_dir / "server.log"
        with open(log_path, "w") as log:
            server = subprocess.Popen(argv, env=env, cwd="/",
                                      stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=subprocess.STDOUT,
                                      start_new_session=True)
        wait_until_listening(server, port, log_path)
        step("the installed CLI against 127.0.0.1:%d" % port)
        use_the_cli(root, port, scratch)
        step("SIGTERM")
        stop(server, log_path)
        server = None
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait()
        shutil.rmtree(scratch, ignore_errors=True)
    print("package_deb: ok")


if __name__ == "__main__":
    try:
        main()
    except Failure as failure:
        print("FAIL:", failure, file=sys.stderr)
        sys.exit(1)
