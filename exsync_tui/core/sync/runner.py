"""Several profiles at once: a child process each, one cancel for all, one event stream.

Used by ``exsync sync`` and the TUI alike, so both run syncs the same way. Each
profile syncs in its own process (:mod:`exsync_tui.core.sync.child`): the work
is CPU-bound in exchangelib's object model, and threads under one interpreter
lock neither run several mailboxes in parallel nor leave the TUI's event loop
alone. The parent rebuilds every event the child sends, so callers see the same
immutable events as before. A failure in one profile, the death of its process
included, never stops the others.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from exsync_tui.core.logging_setup import PrivateRotatingFileHandler
from exsync_tui.core.profiles import Profile
from exsync_tui.core.sync import crashpoints
from exsync_tui.core.sync.context import SyncOptions
from exsync_tui.core.sync.engine import SyncResult
from exsync_tui.core.sync.events import EventSink, MailboxDone, SyncEvent
from exsync_tui.core.sync.wire import WireError, parse_line

log = logging.getLogger(__name__)

CHILD_MODULE = "exsync_tui.core.sync.child"
CANCEL = b"cancel\n"
"""The line that asks a child to stop (it stops within about a second)."""
DIED_TOPIC = "sync-process-died"
SYNC_NICENESS = 10
"""How much lower a sync process runs than its parent: eight CPU-bound syncs must not
take the cores from the terminal UI (or the user's shell) that started them."""
_STDERR_LINES = 20
_CANCEL_POLL_S = 0.1


@dataclass(frozen=True)
class Job:
    """One profile to sync, with its password and options."""

    profile: Profile
    password: str
    options: SyncOptions


@dataclass(frozen=True)
class ChildOrder:
    """What a child reads first from its stdin: the job, its parent, and how to log."""

    job: Job
    parent_pid: int
    log_level: int | None = None
    """The parent's log file level; None when the parent does not log to a file."""
    debug_network: bool = False
    niceness: int = SYNC_NICENESS
    """Added to the child's nice value (see :data:`SYNC_NICENESS`)."""


def _log_settings() -> tuple[int | None, bool]:
    """The parent's log file level and network debugging, for the child to do the same."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrivateRotatingFileHandler):
            return handler.level, logging.getLogger("exchangelib").isEnabledFor(logging.DEBUG)
    return None, False


def death_detail(returncode: int) -> str:
    """What to tell the user when a child ended without a result."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        guess = " (out of memory, or killed by hand)" if returncode == -signal.SIGKILL else ""
        return (
            f"the sync process was stopped by {name}{guess}; what it finished is kept "
            "and the next run resumes from there"
        )
    return (
        f"the sync process ended unexpectedly (exit code {returncode}); what it finished "
        "is kept; the log has its last words"
    )


class _Child:
    """One job's process: its order, its cancel, its events, and how it ended."""

    def __init__(self, job: Job, emit: EventSink, cancel: threading.Event) -> None:
        self.job = job
        self._emit = emit
        self._cancel = cancel
        self._lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr: deque[str] = deque(maxlen=_STDERR_LINES)

    def send_cancel(self) -> None:
        """Ask the child to stop; harmless when it has not started or has ended."""
        with self._lock:
            process = self.process
            if process is None or process.stdin is None:
                return
            try:
                process.stdin.write(CANCEL)
                process.stdin.flush()
            except (OSError, ValueError):
                pass  # it has ended; its outcome is read from its stdout

    def _drain_stderr(self, stream: IO[bytes]) -> None:
        for raw in stream:
            self._stderr.append(raw.decode("utf-8", "replace").rstrip())

    def _start(self) -> subprocess.Popen[bytes]:
        level, debug = _log_settings()
        order = ChildOrder(self.job, os.getpid(), level, debug)
        with self._lock:
            self.process = subprocess.Popen(
                [sys.executable, "-m", CHILD_MODULE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            assert self.process.stdin is not None
            try:
                pickle.dump(order, self.process.stdin)
                self.process.stdin.flush()
            except OSError:
                pass  # it died at once; the outcome says so
        if self._cancel.is_set():  # set before the process existed to hear it
            self.send_cancel()
        return self.process

    def run(self) -> SyncResult:
        """Start the child, pass its events on, and return its result (or why there is none)."""
        started = time.monotonic()
        try:
            process = self._start()
        except OSError as error:
            return self._failed(started, f"the sync process could not start: {error}", False)
        assert process.stdout is not None and process.stderr is not None
        drain = threading.Thread(target=self._drain_stderr, args=(process.stderr,), daemon=True)
        drain.start()
        result: SyncResult | None = None
        reported = False
        broken = ""
        for raw in process.stdout:
            try:
                item = parse_line(raw.decode("utf-8", "replace"))
            except WireError as error:
                broken = str(error)
                process.kill()
                break
            if isinstance(item, SyncResult):
                result = item
            else:
                reported = reported or isinstance(item, MailboxDone)
                self._emit(item)
        returncode = process.wait()
        if not broken:  # a child killed here for a broken stream was no crash point
            crashpoints.follow(returncode)
        drain.join()
        with self._lock:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
        if result is not None and not broken:
            return result
        if self._stderr:
            log.warning("%s: the sync process said:\n%s", self.job.profile.name,
                        "\n".join(self._stderr))  # fmt: skip
        return self._failed(started, broken or death_detail(returncode), reported)

    def _failed(self, started: float, detail: str, reported: bool) -> SyncResult:
        name = self.job.profile.name
        elapsed = round(time.monotonic() - started, 3)
        if not reported:  # the child could not say it was done: say it for it
            self._emit(MailboxDone(name, False, elapsed_s=elapsed, topic=DIED_TOPIC, detail=detail))
        return SyncResult(name, False, topic=DIED_TOPIC, detail=detail, elapsed_s=elapsed)


class SyncRun:
    """Runs jobs concurrently; :meth:`wait` returns the results by profile name."""

    def __init__(self, jobs: Sequence[Job], emit: EventSink) -> None:
        self.cancel = threading.Event()
        self._emit_lock = threading.Lock()
        self._emit = emit
        self._results: dict[str, SyncResult] = {}
        self._children = [_Child(job, self._emit_safely, self.cancel) for job in jobs]
        self._threads = [
            threading.Thread(
                target=self._one, args=(child,), name=f"exsync-sync-{child.job.profile.name}",
                daemon=True,
            )
            for child in self._children
        ]  # fmt: skip
        self._forwarder = threading.Thread(
            target=self._forward_cancel, name="exsync-sync-cancel", daemon=True
        )

    def _emit_safely(self, event: SyncEvent) -> None:
        with self._emit_lock:
            self._emit(event)

    def _one(self, child: _Child) -> None:
        # The process is started from this thread, which lives as long as it does:
        # Linux's parent-death signal follows the thread that started a process.
        self._results[child.job.profile.name] = child.run()

    def _forward_cancel(self) -> None:
        while any(thread.is_alive() for thread in self._threads):
            if self.cancel.wait(_CANCEL_POLL_S):
                for child in self._children:
                    child.send_cancel()
                return

    def start(self) -> SyncRun:
        """Start every job's process (each from its own thread)."""
        for thread in self._threads:
            thread.start()
        self._forwarder.start()
        return self

    def child_pids(self) -> dict[str, int]:
        """The process id of each profile's child that has started."""
        return {
            child.job.profile.name: child.process.pid
            for child in self._children
            if child.process is not None
        }

    def wait(self, poll_s: float = 0.2) -> dict[str, SyncResult]:
        """Wait for every job (KeyboardInterrupt propagates; call :meth:`stop` then wait)."""
        for thread in self._threads:
            while thread.is_alive():
                thread.join(poll_s)
        return dict(self._results)

    def stop(self) -> None:
        """Ask every job to stop (each stops within about a second, keeping what is done)."""
        self.cancel.set()
