"""One Maildir folder's files: a message's place, a delivery's result, a folder's scan.

The parts of :mod:`maildir` that touch single files, kept apart so the store reads as
its rules (where a message goes, how it moves) rather than as file handling.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from exsync_tui.core.files import FILE_MODE
from exsync_tui.core.store import maildir_names as names
from exsync_tui.core.store.errors import StoreError

Content = bytes | bytearray | memoryview | Iterable[bytes]


class MessageTooLarge(StoreError):
    """A message is bigger than the size cap; nothing was left on disk."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"message is larger than the limit of {limit} bytes; not stored")
        self.limit = limit


@dataclass(frozen=True, slots=True)
class MessageFile:
    """Where one message is on disk.

    The store keeps one for every message of a folder it has looked at, so it holds
    its directory (one object shared by the folder's files) and its name rather than
    a Path of its own: a Path each made a first sync's memory grow by about 1 KB a
    message (146 MB at 50,000 messages against 101 MB at 10,000).
    """

    base: str
    directory: Path
    """The folder's ``new/`` or ``cur/``."""
    name: str
    flags: str

    @property
    def path(self) -> Path:
        """The file."""
        return self.directory / self.name

    @property
    def in_new(self) -> bool:
        """Whether the file is still in ``new/`` (no client has looked at it)."""
        return self.directory.name == "new"


@dataclass(frozen=True)
class Delivered:
    """A message just delivered."""

    base: str
    path: Path
    size: int


def scan_folder(folder: Path) -> dict[str, MessageFile]:
    index: dict[str, MessageFile] = {}
    for sub in ("new", "cur"):  # cur last: if a message is in both, cur is the newer state
        directory = folder / sub
        try:
            entries = os.listdir(directory)
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.startswith("."):
                continue  # not a message (Maildir forbids leading dots in message names)
            parsed = names.parse_name(entry)
            index[parsed.base] = MessageFile(parsed.base, directory, entry, parsed.flags)
    return index


def write_new_file(path: Path, content: Content, max_size: int | None, *, fsync: bool) -> int:
    """Write ``content`` to a new file at ``path`` (0600), fsync it if asked; return its size."""
    chunks: Iterable[bytes] = (
        [bytes(content)] if isinstance(content, bytes | bytearray | memoryview) else content
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    size = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                size += len(chunk)
                if max_size is not None and size > max_size:
                    raise MessageTooLarge(max_size)
                handle.write(chunk)
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return size
