"""Running exsync against the hostile server: in-process, through the CLI, as a child process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from exsync_tui.core.connect import ConnectRequest, connect
from exsync_tui.core.diagnose import diagnose
from exsync_tui.core.steps import Diagnosis
from tests.cli_runner import run_exsync
from tests.hostile.server import PASSWORD, HostileServer

SLACK_S = 5.0
"""What the issue allows beyond the budget: every attempt ends within budget + 5 s."""


@dataclass(frozen=True)
class Timed:
    """A diagnosis and how long it took."""

    diagnosis: Diagnosis
    elapsed_s: float

    @property
    def topic_id(self) -> str | None:
        """The help topic id (None on success)."""
        return self.diagnosis.topic.id if self.diagnosis.topic else None

    def failed_detail(self) -> str:
        """The detail of the first failed step."""
        return next(step.detail for step in self.diagnosis.steps if step.status.value == "fail")


def timed_diagnose(request: ConnectRequest, budget_s: float) -> Timed:
    """Run the doctor on ``request`` within ``budget_s``."""
    started = time.monotonic()
    diagnosis = diagnose(
        request, on_step=lambda step: None, cancel=threading.Event(), budget_s=budget_s
    )
    return Timed(diagnosis, time.monotonic() - started)


def timed_connect(request: ConnectRequest, budget_s: float) -> Timed:
    """Connect ``request`` within ``budget_s`` (redirects declined)."""
    started = time.monotonic()
    outcome = connect(
        request,
        on_step=lambda step: None,
        cancel=threading.Event(),
        confirm_redirect=lambda target: False,
        budget_s=budget_s,
    )
    return Timed(outcome.diagnosis, time.monotonic() - started)


def add_profile(
    server: HostileServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *extra: str,
    name: str = "hostile",
) -> tuple[int, str, str]:
    """``exsync profiles add`` for the hostile server's mailbox (password on stdin)."""
    argv = ["profiles", "add", name, "--email", f"user@{server.domain}", "--password-stdin"]
    argv += ["--ca-file", server.ca_file, *extra]
    for rule in server.connect_to():
        argv += ["--connect-to", rule]
    return run_exsync(capsys, monkeypatch, *argv, stdin=f"{PASSWORD}\n")


@dataclass(frozen=True)
class ChildRun:
    """How an ``exsync`` child process ended."""

    code: int
    stdout: str
    stderr: str
    peak_rss_mib: float
    elapsed_s: float


def exsync_child(
    *argv: str, stdin: str = "", on_start: Callable[[subprocess.Popen[bytes]], None] | None = None
) -> ChildRun:
    """Run ``exsync ARGV`` as a child process; its own peak RSS comes from its ``VmHWM``
    (see :mod:`tests.hostile.peak_rss`). ``on_start`` runs while it is running.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        peak_file = Path(scratch) / "peak-rss-kib"
        started = time.monotonic()
        child = subprocess.Popen(  # noqa: S603 - our own entry point
            [sys.executable, "-m", "tests.hostile.peak_rss", *argv],
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=err,
            env={**os.environ, "EXSYNC_TEST_PEAK_RSS": str(peak_file)},
        )
        assert child.stdin is not None
        child.stdin.write(stdin.encode())
        child.stdin.close()
        if on_start is not None:
            on_start(child)
        _, status, _usage = os.wait4(child.pid, 0)
        elapsed = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(
            code=child.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
            peak_rss_mib=_peak_mib(peak_file),
            elapsed_s=elapsed,
        )


def _peak_mib(peak_file: Path) -> float:
    """The child's VmHWM in MiB; a child that died without writing it has no peak to trust."""
    if not peak_file.exists():
        return float("inf")
    return int(peak_file.read_text()) / 1024


def wait_until(predicate: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Wait (polling) until ``predicate`` holds; fail the test after ``timeout_s``."""
    end = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("the expected state was never reached")
        time.sleep(0.02)
