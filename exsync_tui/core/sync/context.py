"""What one profile's sync run shares between its stages."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.sources import MailboxSource
from exsync_tui.core.store.maildir import MaildirStore
from exsync_tui.core.store.state import StateDB
from exsync_tui.core.store.vdir import VdirStore
from exsync_tui.core.sync.events import EventSink
from exsync_tui.core.sync.first_pages import FirstPages

DEFAULT_PAGE_SIZE = 100
MAX_MESSAGE_BYTES = 150 * 1024 * 1024
"""Exchange Online's largest message (150 MB); larger MIME is refused, never stored."""


@dataclass(frozen=True)
class SyncOptions:
    """How to run: what to sync, whether to write, and the limits.

    ``mass_delete_threshold`` is a fraction (the profile's ``mass_delete_percent``);
    ``now`` fixes the calendar window's centre (tests); None means the current time.
    """

    mail: bool = True
    calendar: bool = True
    dry_run: bool = False
    push: bool = True
    """Write local flag changes, moves and deletions back first (``sync_direction = "both"``)."""
    allow_mass_delete: bool = False
    mass_delete_threshold: float = 0.5
    page_size: int = DEFAULT_PAGE_SIZE
    max_message_bytes: int = MAX_MESSAGE_BYTES
    folders_include: tuple[str, ...] = ()
    folders_exclude: tuple[str, ...] = ()
    calendar_past_days: int = 30
    calendar_future_days: int = 365
    now: datetime | None = None


@dataclass
class Deferred:
    """A message the server deleted from a folder, kept on disk until the run ends.

    If another folder reports a new message with the same Message-ID and size in
    the same run, the message moved: the file is renamed there, not fetched again.
    """

    folder_id: str
    folder_path: str
    base: str
    sha256: str | None = None
    """The hash of the file's content as written (None: written before hashes were kept)."""
    item_id: str = ""
    """The deleted item's id: a new item with the same id is the same message (Graph)."""


@dataclass
class GuardFigures:
    """One mail folder's figures for the mass-delete guard in this run.

    Kept across a postponement (see :mod:`exsync_tui.core.sync.delete_guard`), so a
    folder that runs twice never deletes more than one uninterrupted run could.
    """

    local_at_start: int
    deleted: int = 0
    """Deletions (not moves) already applied in this run."""


_IN_SEVERAL = ""
"""Noted as new in more than one folder (folder ids are never empty)."""


@dataclass
class Arrivals:
    """Messages new in some folder in this run, by Message-ID + size and by item id.

    A first sync makes every message an arrival, so each is kept small: the hash of
    its id and of its key (an int, not the strings) mapped to the one folder it is
    new in. Sets of strings took 30 MB for 50,000 messages and made the sync's
    memory grow with the mailbox. Two ids sharing a 64-bit hash would count one
    deletion as a move: odds far below a disk error's, and only the guard's count
    changes.
    """

    by_key: dict[int, str] = field(default_factory=dict)
    by_id: dict[int, str] = field(default_factory=dict)

    def add(self, folder_id: str, item_id: str, key: tuple[str, int] | None) -> None:
        """Note that ``item_id`` (Message-ID + size ``key``) is new in ``folder_id``."""
        _note(self.by_id, hash(item_id), folder_id)
        if key is not None:
            _note(self.by_key, hash(key), folder_id)

    def elsewhere(self, folder_id: str, item_id: str, key: tuple[str, int] | None) -> bool:
        """True when the message deleted from ``folder_id`` came up new in another folder."""
        if _other_than(self.by_id.get(hash(item_id)), folder_id):
            return True
        return key is not None and _other_than(self.by_key.get(hash(key)), folder_id)


def _note(seen: dict[int, str], digest: int, folder_id: str) -> None:
    if seen.setdefault(digest, folder_id) != folder_id:
        seen[digest] = _IN_SEVERAL


def _other_than(noted: str | None, folder_id: str) -> bool:
    return noted is not None and noted != folder_id


@dataclass
class SyncContext:
    """One run of one profile: the source, the stores, the options and the event sink."""

    profile: str
    source: MailboxSource
    state: StateDB
    maildir: MaildirStore
    vdir: VdirStore
    options: SyncOptions
    emit: EventSink
    cancel: threading.Event
    first_pages: FirstPages | None = None
    """Each mail folder's first page of this run, asked for ahead (None: ask as it comes)."""
    deferred: dict[tuple[str, int], Deferred] = field(default_factory=dict)
    ambiguous: set[tuple[str, int]] = field(default_factory=set)
    """Message-ID + size keys deferred twice this run with different content."""
    arrivals: Arrivals = field(default_factory=Arrivals)
    guard_figures: dict[str, GuardFigures] = field(default_factory=dict)
    postponed: list[str] = field(default_factory=list)
    """Mail folders whose deletions wait for the rest of the run (see ``delete_guard``)."""
    held: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    """Item counts the server gave with this run's folder changes (progress totals)."""

    def first_sync_total(self, folder_id: str, sync_state: str | None) -> int | None:
        """The folder's item count when this is its first sync (then every item is new)."""
        return self.totals.get(folder_id) if sync_state is None else None

    def check_cancel(self) -> None:
        """Raise TopicError(cancelled) once the user asked to stop."""
        if self.cancel.is_set():
            raise TopicError("cancelled", "cancelled")
