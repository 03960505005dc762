"""The send queue: messages not sent yet, one file each in the profile's state directory.

A file is one JSON line (envelope, Message-ID, state) and then the MIME, written
atomically and fsynced (0600) before ``exsync send`` reports success, so a message
accepted is on disk whatever happens next. ``state``:

- ``sending``: a process is sending it. Found with nobody holding the queue lock,
  its process died, maybe after the server took it: it is looked up in Sent
  Items before being sent again.
- ``queued``: the submitter was told "queued" (exit 0); a flush sends it.
- ``sent``: it went out, but its submitter died before being told so. The
  submitter (a mail client) then tries again with the same message, and that
  retry must find it sent; kept :data:`SENT_KEPT_S`, then dropped.

One process works on a queue at a time (an ``flock``, released by the kernel
when its holder dies).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from exsync_tui.core.files import atomic_write_bytes, ensure_private_directory, fsync_directory
from exsync_tui.core.profiles import Profile
from exsync_tui.core.send.outgoing import Outgoing
from exsync_tui.core.store.lock import ProfileLock, SyncLocked

QUEUE_DIR = "outbox"
SUFFIX = ".msg"
SENDING, QUEUED, SENT = "sending", "queued", "sent"
SENT_KEPT_S = 24 * 3600
"""How long a sent entry waits for its submitter's retry."""


class QueueBusy(Exception):
    """Another exsync process is sending from this queue right now."""


class QueueUnreadable(OSError):
    """A file in the queue is not an entry (damaged, or written by something else)."""


@dataclass(frozen=True)
class Entry:
    """One queued message: its file, envelope, Message-ID and how far sending got."""

    path: Path
    message_id: str
    recipients: tuple[str, ...]
    bcc: tuple[str, ...]
    digest: str
    queued_at: str
    state: str
    attempts: int = 0
    last_error: str | None = None

    @property
    def id(self) -> str:
        """The entry's name in ``exsync send --queue``."""
        return self.path.stem

    def meta(self) -> dict[str, Any]:
        """The JSON line of the file."""
        found = asdict(self)
        found.pop("path")
        found["recipients"], found["bcc"] = list(self.recipients), list(self.bcc)
        return found


class SendQueue:
    """The queue of one profile (``<state dir>/outbox``)."""

    def __init__(self, directory: Path, wait_s: float = 0.0) -> None:
        self.directory = directory
        self.wait_s = wait_s
        self._lock = ProfileLock(directory)

    @classmethod
    def of(cls, profile: Profile, wait_s: float = 0.0) -> SendQueue:
        """The queue in ``profile``'s state directory; taking it waits up to ``wait_s``."""
        return cls(profile.state_dir() / QUEUE_DIR, wait_s)

    def __enter__(self) -> SendQueue:
        """Take the queue's lock, waiting up to ``wait_s`` (:class:`QueueBusy` when taken)."""
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                self._lock.acquire()
                break
            except SyncLocked as error:
                if time.monotonic() >= deadline:
                    busy = f"another exsync is sending this profile's mail ({error.path})"
                    raise QueueBusy(busy) from None
                time.sleep(0.05)  # a send takes a second or so; flock cannot time out
        for leftover in self.directory.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)  # half-written by a process that died
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()

    def add(self, outgoing: Outgoing, state: str) -> Entry:
        """Write ``outgoing`` durably as a new entry."""
        ensure_private_directory(self.directory)
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:12]}{SUFFIX}"
        entry = Entry(
            path=self.directory / name,
            message_id=outgoing.message_id,
            recipients=outgoing.recipients,
            bcc=outgoing.bcc,
            digest=outgoing.digest,
            queued_at=datetime.now(UTC).isoformat(timespec="seconds"),
            state=state,
        )
        self._write(entry, outgoing.mime)
        return entry

    def _write(self, entry: Entry, mime: bytes) -> None:
        line = json.dumps(entry.meta(), ensure_ascii=True).encode() + b"\n"
        atomic_write_bytes(entry.path, line + mime)

    def mime(self, entry: Entry) -> bytes:
        """The message of ``entry``, as it will be sent."""
        return entry.path.read_bytes().partition(b"\n")[2]

    def update(self, entry: Entry, **changes: Any) -> Entry:
        """Rewrite ``entry`` (atomically) with ``changes``."""
        changed = replace(entry, **changes)
        self._write(changed, self.mime(entry))
        return changed

    def remove(self, entry: Entry) -> None:
        """Drop ``entry`` durably (it was sent)."""
        entry.path.unlink(missing_ok=True)
        fsync_directory(self.directory)

    def entries(self) -> list[Entry]:
        """Every entry, oldest first."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob(f"[!.]*{SUFFIX}")):
            try:
                with path.open("rb") as handle:
                    meta = json.loads(handle.readline())
                meta["recipients"], meta["bcc"] = tuple(meta["recipients"]), tuple(meta["bcc"])
                found.append(Entry(path=path, **meta))
            except (ValueError, TypeError, KeyError) as error:
                # Never dropped: the file may hold the only copy of someone's message.
                raise QueueUnreadable(f"{path} is not a queue entry exsync can read ({error}); "
                                      "move it away to go on") from None  # fmt: skip
        return found

    def interrupted(self, digest: str) -> Entry | None:
        """The entry a process that died left while sending this same submission."""
        return next(
            (e for e in self.entries() if e.state in (SENDING, SENT) and e.digest == digest),
            None,
        )

    def unsent(self) -> list[Entry]:
        """The entries still to send, oldest first."""
        return [e for e in self.entries() if e.state != SENT]

    def drop_old_sent(self, now: float | None = None) -> None:
        """Forget sent entries whose submitter never came back for them."""
        now = time.time() if now is None else now
        for entry in self.entries():
            queued = datetime.fromisoformat(entry.queued_at).timestamp()
            if entry.state == SENT and now - queued > SENT_KEPT_S:
                self.remove(entry)
