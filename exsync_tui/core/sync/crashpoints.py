"""Named points where a test can make the sync process die, to prove crash safety.

``EXSYNC_CRASH_AT=NAME:N`` (only read when set) kills the process with SIGKILL the
N-th time it passes point NAME: no cleanup, no flush, exactly like a power cut or
the OOM killer. Unset, a point costs one dictionary lookup. The reliability tests
run ``exsync sync`` with every point and then check that a normal run leaves the
Maildir and the vdirs equal to the server's truth.

A sync runs in a child process of ``exsync sync``: when a child dies at a crash
point, its parent follows it (:func:`follow`), once the child is gone and its
lock released, so the whole run dies by SIGKILL as it would in a power cut.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

ENV = "EXSYNC_CRASH_AT"

POINTS = (
    "hierarchy-before-commit",
    "hierarchy-after-commit",
    "folder-moves-before-apply",
    "folder-moves-after-apply",
    "page-after-pending",
    "page-after-deliver",
    "page-after-sync-dirs",
    "page-after-commit",
    "page-after-flags",
    "page-after-deletes",
    "move-after-rename",
    "calendar-after-write",
    "run-before-cleanup",
    "push-after-move",
    "push-after-move-commit",
    "push-after-refresh",
    "push-after-delete",
    "push-after-delete-files",
    "push-after-delete-commit",
    "push-after-keep",
    "push-after-update",
    "push-after-update-commit",
)
"""Every point the engine passes; tests iterate over these."""

_lock = threading.Lock()
_seen: Counter[str] = Counter()


def _target() -> tuple[str, int] | None:
    value = os.environ.get(ENV)
    if not value:
        return None
    name, _, count = value.partition(":")
    return name, int(count or "1")


def reached(point: str) -> None:
    """Die here if the environment asks for it (see the module docstring)."""
    target = _target()
    if target is None or target[0] != point:
        return
    with _lock:
        _seen[point] += 1
        hit = _seen[point] == target[1]
    if hit:
        os.kill(os.getpid(), signal.SIGKILL)


def follow(returncode: int) -> None:
    """Die by SIGKILL too when a crash point (this run sets one) killed a child process."""
    if returncode == -signal.SIGKILL and _target() is not None:
        os.kill(os.getpid(), signal.SIGKILL)
