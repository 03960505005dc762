"""The forked children of tests/forked.py get what a subprocess would: the test's environment,
stdin, captured output, exit status, death by signal, and the loopback guard."""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from tests.child_guard.loopback_refusal import VIOLATIONS_FILE_ENV
from tests.forked import run_forked


def echo(name: str, code: str) -> int:
    """Print a variable and stdin to stdout, the working directory to stderr; exit ``code``."""
    print(os.environ.get(name, "<unset>"), sys.stdin.read(), sep="|")
    print(os.getcwd(), file=sys.stderr)
    return int(code)


def die() -> int:
    """SIGKILL this process, as a crash point does."""
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


def look_up(host: str) -> int:
    """Look ``host`` up if the guard is in place (2 if not: no query may leave); 0 if refused."""
    if "socket_replacements" not in socket.getaddrinfo.__qualname__:
        return 2
    try:
        socket.getaddrinfo(host, 443)
    except socket.gaierror:
        return 0
    return 1


def test_a_forked_child_gets_the_environment_stdin_and_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setenv("EXSYNC_TEST_FORKED", "from the test")
        patched.chdir(tmp_path)
        done = run_forked(echo, "EXSYNC_TEST_FORKED", "3", stdin="ünïcode in".encode())
        again = run_forked(echo, "EXSYNC_TEST_FORKED", "0", env={"EXSYNC_TEST_FORKED": "given"})
    assert (done.returncode, done.stdout.decode()) == (3, "from the test|ünïcode in\n")
    assert done.stderr.decode() == f"{tmp_path}\n"
    assert (again.returncode, again.stdout.decode()) == (0, "given|\n")
    unset = run_forked(echo, "EXSYNC_TEST_FORKED", "0")  # nothing left from the runs before
    assert unset.stdout.decode() == "<unset>|\n"


def test_a_child_killed_by_a_signal_says_so() -> None:
    assert run_forked(die).returncode == -signal.SIGKILL


def test_a_forked_child_is_held_to_loopback_and_reports_to_this_test() -> None:
    report = Path(os.environ[VIOLATIONS_FILE_ENV])
    assert run_forked(look_up, "example.com").returncode == 0
    assert "getaddrinfo('example.com')" in report.read_text("utf-8")
    report.unlink()  # seen: the guard's teardown check must not fail this test for it
    assert run_forked(look_up, "localhost").returncode == 1
