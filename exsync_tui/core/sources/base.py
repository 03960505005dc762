"""The mailbox source interface: what the sync engine asks of any protocol (EWS now, Graph later).

Everything here is protocol-neutral: ids and sync states are opaque strings,
and no exchangelib (or Graph) type crosses this boundary. The engine drives a
source one page at a time: it asks for a page, makes what the page produced
durable on disk, then saves the page's sync state. A source never keeps sync
state between calls, so a state saved after any page resumes exactly there.

Failures are :class:`~exsync_tui.core.diagnose.classify.TopicError`\\ s naming
the help topic, the same ones connecting raises. Two of them the engine
treats specially: :class:`SyncStateInvalid` (start that scope again from no
state and reconcile with what is on disk) and :class:`FolderGone` (the folder
was deleted on the server between the hierarchy sync and this call).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Self

from exsync_tui.core.diagnose.classify import TopicError

DEFAULT_MAX_CHANGES = 100
"""Changes per item page when the engine does not say (EWS allows 1..512)."""


class FolderKind(StrEnum):
    """What a folder holds, as far as syncing goes."""

    MAIL = "mail"
    CALENDAR = "calendar"
    OTHER = "other"


def folder_kind(folder_class: str | None) -> FolderKind:
    """The kind for an Exchange folder class: ``IPF.Note*`` mail, ``IPF.Appointment*`` calendar.

    Contacts, tasks, notes, journal, search folders and folders without a class
    are "other": the engine leaves them alone.
    """
    if folder_class is None:
        return FolderKind.OTHER
    if folder_class == "IPF.Note" or folder_class.startswith("IPF.Note."):
        return FolderKind.MAIL
    if folder_class == "IPF.Appointment" or folder_class.startswith("IPF.Appointment."):
        return FolderKind.CALENDAR
    return FolderKind.OTHER


@dataclass(frozen=True)
class RemoteFolder:
    """One folder as the server describes it.

    ``parent_id`` is None when the server gave none; a folder directly below
    the message root has the root's id as parent. ``total_count`` is None
    when unknown.
    """

    folder_id: str
    parent_id: str | None
    name: str
    kind: FolderKind
    total_count: int | None = None
    change_key: str | None = None


@dataclass(frozen=True)
class HierarchyPage:
    """Folder changes since a hierarchy sync state.

    A rename or a move is an entry in ``updated`` (same id; new name or
    parent). ``deleted`` holds folder ids; treat a delete as covering the
    folder's subfolders (servers need not list them one by one). The root
    itself is never reported: a folder whose parent is not among the folders
    is at the top. Save ``sync_state`` once these are applied; ask again with
    it while ``includes_last`` is False.
    """

    created: tuple[RemoteFolder, ...]
    updated: tuple[RemoteFolder, ...]
    deleted: tuple[str, ...]
    sync_state: str
    includes_last: bool


class ChangeType(StrEnum):
    """What happened to an item."""

    CREATE = "create"
    UPDATE = "update"
    READ_FLAG = "read-flag"
    DELETE = "delete"


class ItemKind(StrEnum):
    """What an item is: a mail message, a calendar item (a master or a single event), other."""

    MESSAGE = "message"
    CALENDAR = "calendar"
    OTHER = "other"


@dataclass(frozen=True)
class ItemChange:
    """One item change, in the order the server reported it.

    For CREATE and UPDATE every field the server gave is set; None means the
    server did not say. READ_FLAG carries ``item_id`` and ``is_read`` (and the
    change key when given); DELETE only ``item_id``. ``flagged`` is True for a
    follow-up flag (not for "completed"). ``uid`` is a calendar item's iCalendar UID.
    """

    type: ChangeType
    item_id: str
    change_key: str | None = None
    kind: ItemKind | None = None
    is_read: bool | None = None
    flagged: bool | None = None
    answered: bool | None = None
    forwarded: bool | None = None
    size: int | None = None
    message_id: str | None = None
    uid: str | None = None


@dataclass(frozen=True)
class ItemPage:
    """One page of item changes of one folder since a sync state.

    ``changes`` keeps the server's order (apply it in that order: a later
    change to the same item wins). Save ``sync_state`` once the page is
    durable; ask again with it while ``includes_last`` is False.
    """

    folder_id: str
    changes: tuple[ItemChange, ...]
    sync_state: str
    includes_last: bool

    def of_type(self, change_type: ChangeType) -> tuple[ItemChange, ...]:
        """The changes of one type, in server order."""
        return tuple(change for change in self.changes if change.type is change_type)

    @property
    def created(self) -> tuple[ItemChange, ...]:
        """New items."""
        return self.of_type(ChangeType.CREATE)

    @property
    def updated(self) -> tuple[ItemChange, ...]:
        """Changed items (content or flags other than read)."""
        return self.of_type(ChangeType.UPDATE)

    @property
    def read_changes(self) -> tuple[ItemChange, ...]:
        """Items whose read flag alone changed."""
        return self.of_type(ChangeType.READ_FLAG)

    @property
    def deleted(self) -> tuple[ItemChange, ...]:
        """Items deleted or moved out of the folder."""
        return self.of_type(ChangeType.DELETE)


class FetchProblem(StrEnum):
    """Why an item's content did not come."""

    NOT_FOUND = "not-found"  # deleted or moved since the sync page named it
    TOO_LARGE = "too-large"  # over the caller's size cap; nothing was kept
    FAILED = "failed"  # the server could not give it (e.g. could not render the MIME)


@dataclass(frozen=True)
class FetchedItem:
    """The content of one item, or why there is none.

    For mail ``content`` is the RFC 5322 message exactly as the server gives
    it; for a calendar item it is the iCalendar object (UTF-8) of the master
    with its modified and cancelled occurrences, or the single event.
    """

    item_id: str
    content: bytes | None = field(default=None, repr=False)
    problem: FetchProblem | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """True when ``content`` is there."""
        return self.content is not None


class SyncStateInvalid(TopicError):
    """The server no longer accepts the saved sync state (``ErrorInvalidSyncStateData``).

    The engine starts that scope (``folder_id``, or the hierarchy when None)
    again from no state and reconciles with what it has on disk.
    """

    def __init__(self, folder_id: str | None, detail: str) -> None:
        facts = {"folder_id": folder_id} if folder_id else {}
        super().__init__("unexpected-error", f"the saved sync state was refused: {detail}", facts)
        self.folder_id = folder_id


class FolderGone(TopicError):
    """The folder no longer exists on the server (deleted since the hierarchy sync)."""

    def __init__(self, folder_id: str, detail: str) -> None:
        super().__init__(
            "unexpected-error", f"the folder is gone: {detail}", {"folder_id": folder_id}
        )
        self.folder_id = folder_id


@dataclass(frozen=True)
class FlagPush:
    """Local flag changes to write to one item: None leaves that flag as the server has it.

    ``change_key`` is the one the last sync saw: a server whose item changed since
    answers :attr:`PushStatus.CONFLICT` instead of overwriting.
    """

    item_id: str
    change_key: str | None
    is_read: bool | None = None
    flagged: bool | None = None
    answered: bool | None = None


class PushStatus(StrEnum):
    """How one item's push went."""

    DONE = "done"
    CONFLICT = "conflict"  # the item changed on the server since ``change_key``
    NOT_FOUND = "not-found"  # deleted or moved on the server
    FAILED = "failed"  # refused for another reason (``detail`` says which)


@dataclass(frozen=True)
class PushResult:
    """The outcome of one item's push; ``item_id`` is the id it was asked for.

    ``new_id`` is a moved item's id in its new folder; ``change_key`` the item's
    change key after the write, when the server said.
    """

    item_id: str
    status: PushStatus
    new_id: str | None = None
    change_key: str | None = None
    detail: str = ""


class PushNotSupported(TopicError):
    """This source cannot write local changes back (EWS and Graph can; a test stand-in may not)."""

    def __init__(self, source: str) -> None:
        super().__init__("unexpected-error", f"{source} cannot push local changes yet")


class MailboxSource(ABC):
    """One mailbox on one server, read page by page.

    Every method may raise TopicError (``cancelled`` once the cancel event the
    source was built with is set, within about a second, also during a hung
    request). Use as a context manager or call :meth:`close`.
    """

    @abstractmethod
    def sync_hierarchy(self, state: str | None) -> HierarchyPage:
        """One page of folder changes below the mailbox's message root since ``state``
        (None: every folder, as creates)."""

    @abstractmethod
    def sync_items(
        self, folder_id: str, state: str | None, max_changes: int = DEFAULT_MAX_CHANGES
    ) -> ItemPage:
        """One page (at most ``max_changes``) of item changes in a folder since ``state``
        (None: every item, as creates). One request; nothing is remembered."""

    def sync_calendar(
        self,
        folder_id: str,
        state: str | None,
        max_changes: int,
        window: tuple[datetime, datetime],
    ) -> ItemPage:
        """:meth:`sync_items` for a calendar whose events the engine keeps only when they
        meet ``window``: a source that can list just those (Graph's calendarView) does;
        by default, every item."""
        return self.sync_items(folder_id, state, max_changes)

    @abstractmethod
    def fetch_mime(
        self,
        item_ids: Sequence[str],
        *,
        max_bytes: int | None = None,
        sizes: Mapping[str, int] | None = None,
    ) -> Iterator[FetchedItem]:
        """The MIME of each message, one result per id, as they arrive (not in order).

        ``sizes`` (item id -> size from the sync page) lets items over
        ``max_bytes`` be refused without downloading them; an item without a
        known size is refused after download. Closing the iterator early stops
        the remaining requests.
        """

    @abstractmethod
    def fetch_calendar(self, item_ids: Sequence[str]) -> Iterator[FetchedItem]:
        """The iCalendar text of each calendar item (master with its exceptions), as they arrive."""

    # -- two-way: writing local changes back ---------------------------------------------
    # Not abstract: a source that cannot write keeps these defaults, and the engine
    # checks ``supports_push`` once and says plainly that two-way is not available.

    supports_push = False
    """Whether the methods below write to the server (False: they raise PushNotSupported)."""

    def refresh_items(self, item_ids: Sequence[str]) -> dict[str, ItemChange]:
        """The current flags and change key of each item (as UPDATE changes); an item the
        server no longer has is missing from the answer."""
        raise PushNotSupported(type(self).__name__)

    def update_flags(self, pushes: Sequence[FlagPush]) -> list[PushResult]:
        """Write read, flagged and answered states, many items per request, never
        overwriting a change made on the server since each push's change key."""
        raise PushNotSupported(type(self).__name__)

    def move_items(self, item_ids: Sequence[str], folder_id: str) -> list[PushResult]:
        """Move items to another folder; each result carries the item's ``new_id``."""
        raise PushNotSupported(type(self).__name__)

    def delete_items(self, item_ids: Sequence[str]) -> list[PushResult]:
        """Move items to the mailbox's Deleted Items (never a hard delete)."""
        raise PushNotSupported(type(self).__name__)

    @abstractmethod
    def close(self) -> None:
        """Release connections and threads; safe to call twice."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
