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
comes later in the run, the pair was a rename.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from exsync_tui.core.sources import ChangeType, FetchProblem, ItemChange, ItemKind, ItemPage
from exsync_tui.core.store import maildir_names
from exsync_tui.core.store.guard import check_deletes
from exsync_tui.core.store.state import FolderRecord, HeldDelete, ItemRecord
from exsync_tui.core.sync import crashpoints
from exsync_tui.core.sync.context import Deferred, SyncContext
from exsync_tui.core.sync.deliveries import Deliveries
from exsync_tui.core.sync.events import FolderCounts, MassDeleteHeld, SyncWarning
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
    forget_rows: list[str] = field(default_factory=list)
    """item ids whose state row goes, but not their file (a full resync re-binds them)."""
    retries: dict[str, int] = field(default_factory=dict)
    """item id -> failed fetches so far, for items fetched again after a failure."""

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
    if not change.message_id or change.size is None:
        return None
    return change.message_id, change.size


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


def held_delete(ctx: SyncContext, folder_id: str) -> HeldDelete | None:
    """The mass delete held back for a folder in an earlier run, if any."""
    return next((h for h in ctx.state.held_deletes() if h.folder_id == folder_id), None)


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
    if key is not None:
        if key in ctx.deferred:
            plan.claim[change.item_id] = (change, ctx.deferred.pop(key))
            return
        for twin in ctx.state.find_by_message_id(*key):
            if twin.folder_id != folder.remote_id:
                plan.copy[change.item_id] = (change, twin)
                return
    plan.fetch[change.item_id] = change


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


def guard_deletes(
    ctx: SyncContext, folder: FolderRecord, local_at_start: int, deleting: int
) -> bool:
    """True when the folder may delete ``deleting`` messages this run; else hold and say so.

    Once a folder's deletions were held, they stay held in later runs until the user
    allows them: otherwise each run would delete up to the threshold of what the
    previous one left, and a few runs would empty the folder.
    """
    held = held_delete(ctx, folder.remote_id)
    if held is not None and not ctx.options.allow_mass_delete:
        reason = f"held since an earlier run ({held.would_delete} of {held.local_count})"
        deleting, local_at_start = max(deleting, held.would_delete), held.local_count
    else:
        verdict = check_deletes(
            local_at_start,
            deleting,
            threshold=ctx.options.mass_delete_threshold,
            allow=ctx.options.allow_mass_delete,
        )
        if verdict.allowed:
            return True
        reason = verdict.reason
    ctx.held += 1
    ctx.emit(MassDeleteHeld(ctx.profile, folder.local_path, deleting, local_at_start, reason))
    if not ctx.options.dry_run:
        with ctx.state.transaction():
            ctx.state.hold_delete(HeldDelete(folder.remote_id, deleting, local_at_start))
    return False


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
                ctx.state.note_fetch_failed(_record(fid, item_id, "", change))
                continue
            if item_id in plan.retries:
                ctx.state.clear_fetch_retry(fid, item_id)  # it came, or it is gone or too large
            if item_id not in failed:
                ctx.state.put_item(_record(fid, item_id, base, change))
        for _change, deferred in plan.claim.values():
            ctx.state.clear_pending(deferred.folder_id, deferred.base)
        for item_id, (known, change) in plan.flags.items():
            ctx.state.put_item(_updated(known, change, renamed[item_id]))
        ctx.state.set_folder_sync_state(fid, page.sync_state)
    crashpoints.reached("page-after-commit")
    for known in deferred_now:
        key = _key(known)
        assert key is not None
        ctx.deferred[key] = Deferred(fid, path, known.base)
    return written


def _change_of(plan: PagePlan, item_id: str) -> ItemChange:
    if item_id in plan.fetch:
        return plan.fetch[item_id]
    if item_id in plan.copy:
        return plan.copy[item_id][0]
    return plan.claim[item_id][0]


def _record(folder_id: str, item_id: str, base: str, change: ItemChange) -> ItemRecord:
    return ItemRecord(
        folder_id=folder_id,
        item_id=item_id,
        base=base,
        change_key=change.change_key,
        flags=server_flags(change),
        size=change.size,
        message_id=change.message_id,
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
