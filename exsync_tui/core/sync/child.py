"""One profile's sync in its own process: ``python -m exsync_tui.core.sync.child``.

Started by :class:`~exsync_tui.core.sync.runner.SyncRun`, one per profile, so
the syncs of several mailboxes (and the TUI beside them) do not share one
interpreter lock. Its protocol, all over pipes (never argv or the environment,
which other users' ``ps`` and ``/proc`` can read):

- stdin: the :class:`~exsync_tui.core.sync.runner.ChildOrder` (pickled: the
  parent's own profile, password and options travel as they are), then
  ``cancel`` lines;
- stdout: one JSON object per event, then the result (:mod:`.wire`);
- stderr: anything else (a traceback), which the parent logs.

The child stops when its parent goes: end of stdin, or on Linux the parent-death
signal, cancel the sync (it stops within about a second and keeps what is done);
if it has not stopped a few seconds later, it exits anyway.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import pickle
import signal
import sys
import threading
from typing import BinaryIO

from exsync_tui.core.sync.engine import sync_profile
from exsync_tui.core.sync.events import SyncEvent
from exsync_tui.core.sync.runner import CANCEL, ChildOrder
from exsync_tui.core.sync.wire import event_line, result_line

ORPHAN_GRACE_S = 5.0
"""How long a child whose parent is gone may take to stop cleanly before it just exits."""
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux for SIGTERM when the parent goes; exit if it has gone already."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:  # gone before the request above took effect
        os._exit(1)


class _Lifeline:
    """Cancels the sync when the parent asks or goes; exits if a lost parent's sync lingers."""

    def __init__(self, commands: BinaryIO) -> None:
        self.cancel = threading.Event()
        self._commands = commands

    def parent_lost(self, *_: object) -> None:
        """Stop the sync; exit outright if it has not stopped within the grace time."""
        self.cancel.set()
        timer = threading.Timer(ORPHAN_GRACE_S, os._exit, args=(1,))
        timer.daemon = True
        timer.start()

    def listen(self) -> None:
        """Read the parent's commands until its end of the pipe closes."""
        for line in self._commands:
            if line == CANCEL:
                self.cancel.set()
        self.parent_lost()


def main() -> int:
    """Run the job the parent sends; see the module docstring."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which cancels
    events = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print() must not corrupt the event stream
    commands = sys.stdin.buffer
    order: ChildOrder = pickle.load(commands)  # noqa: S301 - only our parent writes here
    _die_with_parent(order.parent_pid)
    os.nice(order.niceness)
    if order.log_level is not None:
        from exsync_tui.core.logging_setup import setup_logging

        setup_logging(order.log_level, debug_network=order.debug_network)
    lifeline = _Lifeline(commands)
    signal.signal(signal.SIGTERM, lifeline.parent_lost)
    threading.Thread(target=lifeline.listen, name="exsync-lifeline", daemon=True).start()
    lock = threading.Lock()

    def emit(event: SyncEvent) -> None:
        with lock:
            events.write(event_line(event).encode())
            events.flush()

    job = order.job
    try:
        if not job.options.dry_run:
            from exsync_tui.core.send.before_sync import flush_before_sync

            # What `exsync send` queued goes out first, so the sync brings its Sent Items copy.
            flush_before_sync(job.profile, job.password, emit, lifeline.cancel)
        result = sync_profile(
            job.profile, job.password, job.options, emit=emit, cancel=lifeline.cancel
        )
        with lock:
            events.write(result_line(result).encode())
            events.flush()
    except BrokenPipeError:
        return 1  # the parent is gone; what is done is on disk
    finally:
        logging.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
