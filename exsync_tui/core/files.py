"""Writing files so that a crash leaves the old content or the new, never half of either.

Config, reports and the sandbox's keys and state all go through here, readable by
the owner only unless a caller says otherwise.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def fsync_directory(directory: Path) -> None:
    """Make a rename inside ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_private_directory(directory: Path) -> None:
    """Create ``directory`` (and missing parents) as 0700; leave an existing one alone."""
    if not directory.is_dir():
        # mkdir's mode is filtered by the umask; chmod makes new directories 0700 regardless.
        missing = [d for d in (directory, *directory.parents) if not d.exists()]
        directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        for created in missing:
            os.chmod(created, DIR_MODE)


def atomic_write_bytes(
    target: Path, data: bytes, *, mode: int = FILE_MODE, sync_directory: bool = True
) -> None:
    """Replace ``target`` with ``data`` atomically: readers see the old file or the new one.

    ``sync_directory=False`` leaves the rename's durability to the caller, who fsyncs
    the directory once for a batch of files (the vdir writer does).
    """
    ensure_private_directory(target.parent)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    if sync_directory:
        fsync_directory(target.parent)


def atomic_write_text(target: Path, text: str, *, mode: int = FILE_MODE) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(target, text.encode("utf-8"), mode=mode)
