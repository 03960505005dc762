"""What a sync reports as it goes: small immutable events, one stream per run.

The engine calls one callback with these; the command line prints them (one
JSON object per line with ``--json``) and the TUI renders them. ``Progress`` is
sent often and may be coalesced by a renderer (only the latest per folder
matters); every other event is sent once and must not be dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class SyncEvent:
    """Base of every event: which profile it is about."""

    name: ClassVar[str] = "event"
    profile: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with an ``event`` key naming the kind."""
        return {"event": self.name, **asdict(self)}


@dataclass(frozen=True)
class MailboxStarted(SyncEvent):
    """A profile's sync began (the lock is held)."""

    name: ClassVar[str] = "mailbox-started"


@dataclass(frozen=True)
class FolderChanged(SyncEvent):
    """A folder was created, renamed or moved, or deleted locally to match the server."""

    name: ClassVar[str] = "folder-changed"
    action: str  # created | renamed | deleted
    path: str
    old_path: str | None = None
    kind: str = "mail"


@dataclass(frozen=True)
class FolderStarted(SyncEvent):
    """Work on one folder began; ``total`` is the server's item count when known."""

    name: ClassVar[str] = "folder-started"
    folder: str
    kind: str
    total: int | None = None


@dataclass(frozen=True)
class Progress(SyncEvent):
    """Items handled so far in a folder (coalescible: only the latest counts)."""

    name: ClassVar[str] = "progress"
    folder: str
    done: int
    total: int | None
    bytes_done: int


@dataclass(frozen=True)
class FolderCounts:
    """What a folder's sync changed on disk."""

    new: int = 0
    changed: int = 0
    deleted: int = 0
    moved: int = 0
    bytes: int = 0

    @property
    def items(self) -> int:
        """How many items were handled: new, changed, deleted and moved together."""
        return self.new + self.changed + self.deleted + self.moved

    def plus(self, other: FolderCounts) -> FolderCounts:
        """The sum of two counts."""
        return FolderCounts(
            *(getattr(self, key) + getattr(other, key) for key in self.__dataclass_fields__)
        )


@dataclass(frozen=True)
class FolderDone(SyncEvent):
    """A folder is in step with the server (or stopped: see ``stopped``)."""

    name: ClassVar[str] = "folder-done"
    folder: str
    kind: str
    counts: FolderCounts = field(default_factory=FolderCounts)
    stopped: str | None = None


@dataclass(frozen=True)
class SyncWarning(SyncEvent):
    """Something was skipped or held back; the run goes on."""

    name: ClassVar[str] = "warning"
    message: str
    folder: str | None = None


@dataclass(frozen=True)
class MassDeleteHeld(SyncEvent):
    """The server deleted too much of a folder at once: nothing was deleted; ask the user."""

    name: ClassVar[str] = "mass-delete-held"
    folder: str
    would_delete: int
    local_count: int
    reason: str
    direction: str = "pull"
    """``pull``: the server deleted them; ``push``: they were deleted here (kept on the server)."""


@dataclass(frozen=True)
class Pushed(SyncEvent):
    """Local changes of one folder written to the server (or, in a dry run, that would be)."""

    name: ClassVar[str] = "pushed"
    folder: str
    flags: int = 0
    moved: int = 0
    deleted: int = 0
    kept: int = 0
    """Deleted here but changed on the server: kept, and fetched again."""
    dry_run: bool = False


@dataclass(frozen=True)
class QueueFlushed(SyncEvent):
    """Messages `exsync send` had queued went out before the sync (see core.send)."""

    name: ClassVar[str] = "queue-flushed"
    sent: int
    already_sent: int
    remaining: int


@dataclass(frozen=True)
class MailboxDone(SyncEvent):
    """The end of a profile's sync: ``topic`` is the help topic id when it failed."""

    name: ClassVar[str] = "mailbox-done"
    ok: bool
    counts: FolderCounts = field(default_factory=FolderCounts)
    elapsed_s: float = 0.0
    topic: str | None = None
    detail: str = ""
    held: int = 0


EventSink = Callable[[SyncEvent], None]


def ignore(_event: SyncEvent) -> None:
    """An event sink that drops everything."""
