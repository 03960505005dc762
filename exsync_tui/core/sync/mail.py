"""One mail folder, page by page: new messages fetched, flags renamed, deletions applied.

Each page follows the protocol :mod:`exsync_tui.core.store.recovery` relies on, so
a crash at any point loses nothing and duplicates nothing:

1. commit the base names of every file the page will create as *pending*;
2. write them (downloads, local copies, moves from another folder), rename
   flags, delete the files of deleted messages that cannot be a move;
3. fsync the touched directories;
4. in one transaction: the items, their pending marks cleared, and the page's
   sync state.

A message deleted here that has a Message-ID is not deleted at once: its file is
marked pending and remembered for the rest of the run, so that if another folder
reports it as new (the user moved it), the file is moved there instead of being
fetched again. Whatever no folder claims is deleted when the run ends (and by
recovery after a crash). A new message whose Message-ID and size match a message
still held in another folder (the other half of the move not seen yet, or a
copy) is hard-linked from there, not fetched: when the other folder's delete
comes later in the run, the pair was a rename. Message-ID + size is trusted only
while the files sharing it have one content (a SHA-256 kept per file): twins, two
messages that share both, are fetched, so neither gets the other's file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from exsync_tui.core.sources import ChangeType, FetchProblem, ItemChange, ItemKind, ItemPage
from exsync_tui.core.store import maildir_names
from exsync_tui.core.store.state import FolderRecord, ItemRecord
from exsync_tui.core.sync import crashpoints
from exsync_tui.core.sync.context import Deferred, SyncContext
from exsync_tui.core.sync.delete_guard import message_key
from exsync_tui.core.sync.deliveries import Deliveries
from exsync_tui.core.sync.events import FolderCounts, SyncWarning
from exsync_tui.core.sync.flags import server_flags

MAX_FETCH_ATTEMPTS = 5
"""Runs that fetch a message the server could not give before giving up until it changes."""


@dataclass
class PagePlan:
    """What one page does to one folder, decided before anything is written."""

    fetch: dict[str, ItemChange] = field(default_factory=dict)
    copy: dict[str, tuple[ItemChange, ItemRecord]] = field(default_factory=dict)
    claim: dict[str, tuple[ItemChange, Deferred]] = field(default_factory=dict)
    flags: dict[str, tuple[ItemRecord, ItemChange]] = field(default_factory=dict)
    delete: dict[str, ItemRecord] = field(default_factory=dict)
    bases: dict[str, str] = field(default_factory=dict)
    """item id -> the base name of the file the page creates for it."""
    hashes: dict[str, str] = field(default_factory=dict)
    """item id -> the SHA-256 of the MIME downloaded for it."""
    forget_rows: list[str] = field(default_factory=list)
    """item ids whose state row goes, but not their file (a full resync re-binds them)."""
    retries: dict[str, int] = field(default_factory=dict)
    """item id -> failed fetches so far, for items fetched again after a failure."""

    @property
    def arrived(self) -> list[ItemChange]:
        """The messages new in the folder (fetched, copied or claimed)."""
        return [*self.fetch.values(), *(c for c, _ in self.copy.values()),
                *(c for c, _ in self.claim.values())]  # fmt: skip

    @property
    def counts(self) -> FolderCounts:
        """What applying the plan changes, for the events (and ``--dry-run``)."""
        return FolderCounts(
            new=len(self.fetch),
            changed=len(self.flags),
            deleted=len(self.delete),
            moved=len(self.copy) + len(self.claim),
        )


def _key(change: ItemChange | ItemRecord) -> tuple[str, int] | None:
    return message_key(change.message_id, change.size)


def fold_change(latest: dict[str, ItemChange], change: ItemChange) -> None:
    """Record ``change`` as its item's latest (server order: a later change wins), merging
    a read-flag change into an earlier create or update of the same item."""
    before = latest.get(change.item_id)
    if (
        change.type is ChangeType.READ_FLAG
        and before is not None
        and before.type in (ChangeType.CREATE, ChangeType.UPDATE)
    ):
        latest[change.item_id] = replace(before, is_read=change.is_read)
    else:
        latest[change.item_id] = change


def _latest(page: ItemPage) -> dict[str, ItemChange]:
    """The last change per item of one page (see :func:`fold_change`)."""
    latest: dict[str, ItemChange] = {}
    for change in page.changes:
        fold_change(latest, change)
    return latest


def plan_page(ctx: SyncContext, folder: FolderRecord, page: ItemPage) -> PagePlan:
    """Decide, per item, what the page means on disk (nothing is written here)."""
    plan = PagePlan()
    for item_id, change in _latest(page).items():
        known = ctx.state.item(folder.remote_id, item_id)
        if change.type is ChangeType.DELETE:
            if known is not None:
                plan.delete[item_id] = known
        elif known is None:
            _plan_new(ctx, folder, change, plan)
        elif change.type is ChangeType.UPDATE and change.size not in (None, known.size):
            plan.fetch[item_id] = change  # the content changed (a draft edited on the server)
            plan.delete[item_id] = known
        else:
            plan.flags[item_id] = (known, change)
    for item_id in [*plan.fetch, *plan.copy]:
        plan.bases[item_id] = maildir_names.new_base()
    for item_id, (_change, deferred) in plan.claim.items():
        plan.bases[item_id] = deferred.base
    return plan


def _plan_new(ctx: SyncContext, folder: FolderRecord, change: ItemChange, plan: PagePlan) -> None:
    key = _key(change)
    found = _same_message(ctx, folder, change, key) if key is not None else None
    if isinstance(found, Deferred):
        assert key is not None
        plan.claim[change.item_id] = (change, ctx.deferred.pop(key))
    elif found is not None:
        plan.copy[change.item_id] = (change, found)
    else:
        plan.fetch[change.item_id] = change


def _same_message(
    ctx: SyncContext, folder: FolderRecord, change: ItemChange, key: tuple[str, int]
) -> Deferred | ItemRecord | None:
    """The file (held this run, or another folder's) that is the new message, if sure.

    The same id is the same message (Graph's ImmutableIds survive a move). Else
    Message-ID + size decide, unless files with that key differ in content (twins:
    two messages that share both): then only the message's own content can tell.
    """
    deferred = ctx.deferred.get(key)
    twins = ctx.state.find_by_message_id(*key)
    if deferred is not None and deferred.item_id == change.item_id:
        return deferred
    elsewhere = [t for t in twins if t.folder_id != folder.remote_id]
    same_id = next((t for t in elsewhere if t.item_id == change.item_id), None)
    if same_id is not None:
        return same_id
    hashes = {t.sha256 for t in twins} | ({deferred.sha256} if deferred is not None else set())
    candidates = len(twins) + (deferred is not None)
    if key in ctx.ambiguous or (candidates > 1 and (len(hashes) > 1 or None in hashes)):
        return None
    return deferred if deferred is not None else next(iter(elsewhere), None)


def retry_failed(ctx: SyncContext, folder: FolderRecord) -> FolderCounts:
    """Fetch again the folder's messages whose fetch failed in earlier runs (each for up to
    :data:`MAX_FETCH_ATTEMPTS` runs), applied like a page with no changes of its own."""
    plan = PagePlan()
    stale: list[str] = []
    for record, attempts in ctx.state.fetch_retries(folder.remote_id):
        if ctx.state.item(folder.remote_id, record.item_id) is not None:
            stale.append(record.item_id)  # it came since, with a change of its own
        elif attempts < MAX_FETCH_ATTEMPTS:
            plan.fetch[record.item_id] = ItemChange(
                ChangeType.CREATE,
                record.item_id,
                record.change_key,
                kind=ItemKind.MESSAGE,
                is_read="S" in record.flags,
                flagged="F" in record.flags,
                answered="R" in record.flags,
                forwarded="P" in record.flags,
                size=record.size,
                message_id=record.message_id,
            )
            plan.retries[record.item_id] = attempts
            plan.bases[record.item_id] = maildir_names.new_base()
    if stale:
        with ctx.state.transaction():
            for item_id in stale:
                ctx.state.clear_fetch_retry(folder.remote_id, item_id)
    saved = ctx.state.folder(folder.remote_id)
    if not plan.fetch or saved is None:
        return FolderCounts()
    page = ItemPage(folder.remote_id, (), saved.sync_state or "", includes_last=True)
    written = apply_page(ctx, folder, page, plan)
    return plan.counts.plus(FolderCounts(bytes=written))


def apply_page(ctx: SyncContext, folder: FolderRecord, page: ItemPage, plan: PagePlan) -> int:
    """Carry out ``plan`` (see the module docstring for the order); returns bytes written."""
    fid, path = folder.remote_id, folder.local_path
    with ctx.state.transaction():
        for base in plan.bases.values():
            ctx.state.add_pending(fid, base)
    crashpoints.reached("page-after-pending")
    written, failed = _write_new(ctx, folder, plan)
    crashpoints.reached("page-after-deliver")
    renamed: dict[str, str] = {}
    for item_id, (known, change) in plan.flags.items():
        flags = server_flags(change, known.flags)
        if flags != known.flags and ctx.maildir.find(path, known.base) is not None:
            ctx.maildir.set_flags(path, known.base, flags)
        renamed[item_id] = flags
    crashpoints.reached("page-after-flags")
    deferred_now: list[ItemRecord] = []
    for known in plan.delete.values():
        if _key(known) is not None and ctx.maildir.find(path, known.base) is not None:
            deferred_now.append(known)  # maybe a move: decided when the run ends
        else:
            ctx.maildir.delete(path, known.base)
    crashpoints.reached("page-after-deletes")
    ctx.maildir.sync_dirs()
    crashpoints.reached("page-after-sync-dirs")
    with ctx.state.transaction():
        for item_id in [*plan.delete, *plan.forget_rows]:
            ctx.state.delete_item(fid, item_id)
        for known in deferred_now:
            ctx.state.add_pending(fid, known.base)
        for item_id, base in plan.bases.items():
            ctx.state.clear_pending(fid, base)
            change = _change_of(plan, item_id)
            if failed.get(item_id) is FetchProblem.FAILED:
                ctx.state.note_fetch_failed(_record(fid, item_id, "", change, None))
                continue
            if item_id in plan.retries:
                ctx.state.clear_fetch_retry(fid, item_id)  # it came, or it is gone or too large
            if item_id not in failed:
                ctx.state.put_item(_record(fid, item_id, base, change, _hash_of(plan, item_id)))
        for _change, deferred in plan.claim.values():
            ctx.state.clear_pending(deferred.folder_id, deferred.base)
        for item_id, (known, change) in plan.flags.items():
            ctx.state.put_item(_updated(known, change, renamed[item_id]))
        ctx.state.set_folder_sync_state(fid, page.sync_state)
    crashpoints.reached("page-after-commit")
    for known in deferred_now:
        key = _key(known)
        assert key is not None
        previous = ctx.deferred.get(key)
        if previous is not None and (previous.sha256 != known.sha256 or known.sha256 is None):
            ctx.ambiguous.add(key)  # twins deleted in one run: neither may be claimed blindly
        ctx.deferred[key] = Deferred(fid, path, known.base, known.sha256, known.item_id)
    return written


def _change_of(plan: PagePlan, item_id: str) -> ItemChange:
    if item_id in plan.fetch:
        return plan.fetch[item_id]
    if item_id in plan.copy:
        return plan.copy[item_id][0]
    return plan.claim[item_id][0]


def _hash_of(plan: PagePlan, item_id: str) -> str | None:
    if item_id in plan.copy:
        return plan.copy[item_id][1].sha256
    if item_id in plan.claim:
        return plan.claim[item_id][1].sha256
    return plan.hashes.get(item_id)


def _record(
    folder_id: str, item_id: str, base: str, change: ItemChange, sha256: str | None
) -> ItemRecord:
    return ItemRecord(
        folder_id=folder_id,
        item_id=item_id,
        base=base,
        change_key=change.change_key,
        flags=server_flags(change),
        size=change.size,
        message_id=change.message_id,
        sha256=sha256,
    )


def _updated(known: ItemRecord, change: ItemChange, flags: str) -> ItemRecord:
    return replace(known, change_key=change.change_key or known.change_key, flags=flags)


def _write_new(
    ctx: SyncContext, folder: FolderRecord, plan: PagePlan
) -> tuple[int, dict[str, FetchProblem | None]]:
    """Deliver downloads, local copies and claimed moves; returns (bytes, what failed and why)."""
    path = folder.local_path
    written = 0
    failed: dict[str, FetchProblem | None] = {}
    for change, deferred in plan.claim.values():
        if deferred.folder_path != path:
            ctx.maildir.move(deferred.folder_path, path, deferred.base)
        ctx.maildir.set_flags(path, deferred.base, server_flags(change))
        crashpoints.reached("move-after-rename")
    for item_id, (change, twin) in list(plan.copy.items()):
        source = _twin_file(ctx, twin)
        if source is None:
            del plan.copy[item_id]
            plan.fetch[item_id] = change  # the twin's file is gone: fetch after all
            continue
        # A hard link: if the other folder's copy goes later this run, that was a move.
        ctx.maildir.link_in(path, source, flags=server_flags(change), base=plan.bases[item_id])
    sizes = {i: c.size for i, c in plan.fetch.items() if c.size is not None}
    if not plan.fetch:
        return written, failed
    fetched = ctx.source.fetch_mime(
        list(plan.fetch), max_bytes=ctx.options.max_message_bytes, sizes=sizes
    )
    deliveries = Deliveries(ctx.maildir)
    try:
        with deliveries:
            for item in fetched:
                ctx.check_cancel()
                change = plan.fetch[item.item_id]
                if item.content is None:
                    failed[item.item_id] = item.problem
                    why = item.detail or (item.problem.value if item.problem else "no content")
                    if item.problem is FetchProblem.FAILED:
                        why += _next_try(plan.retries.get(item.item_id, 0) + 1)
                    ctx.emit(SyncWarning(ctx.profile, f"message not stored: {why}", folder=path))
                    continue
                deliveries.deliver(
                    path, item.content, flags=server_flags(change), base=plan.bases[item.item_id]
                )
                plan.hashes[item.item_id] = hashlib.sha256(item.content).hexdigest()
    finally:
        close = getattr(fetched, "close", None)
        if close is not None:
            close()  # stops the requests still in flight
    return written + deliveries.written, failed


def _next_try(attempts: int) -> str:
    if attempts < MAX_FETCH_ATTEMPTS:
        return f" (attempt {attempts} of {MAX_FETCH_ATTEMPTS}; tried again in the next run)"
    return f" (attempt {attempts} of {MAX_FETCH_ATTEMPTS}; tried again only once it changes)"


def _twin_file(ctx: SyncContext, twin: ItemRecord) -> Path | None:
    folder = ctx.state.folder(twin.folder_id)
    if folder is None:
        return None
    found = ctx.maildir.find(folder.local_path, twin.base)
    return found.path if found is not None else None
