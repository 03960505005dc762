"""One sync per profile at a time: an ``flock`` on a file in the profile's state directory.

The kernel releases an ``flock`` when the process holding it dies, however it dies
(SIGKILL included), so a crashed sync never leaves a stale lock behind. The holder's
process id is written into the file only to name it in the error.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from exsync_tui.core.files import FILE_MODE, ensure_private_directory
from exsync_tui.core.store.errors import StoreError

LOCK_NAME = "sync.lock"


class SyncLocked(StoreError):
    """Another exsync process is syncing this profile right now."""

    def __init__(self, path: Path, holder: int | None) -> None:
        who = f"process {holder}" if holder else "another exsync process"
        super().__init__(f"this profile is already being synced by {who} (lock {path})")
        self.path = path
        self.holder = holder


class ProfileLock:
    """The sync lock of one profile; a context manager, or :meth:`acquire`/:meth:`release`."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock without waiting; :class:`SyncLocked` if someone else has it."""
        if self._fd is not None:
            return
        ensure_private_directory(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise SyncLocked(self.path, holder) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Give the lock back (closing the file releases the flock)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.close(fd)

    def __enter__(self) -> ProfileLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _read_holder(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else None
    except OSError:
        return None
