"""The page loop of one mail folder, and the full resync when the server refuses its state.

A folder's run stops without saving anything more when the mass-delete guard
refuses the deletions so far (the next run, or ``--allow-mass-delete``, gets
the same pages again). When the server refuses the saved sync state, the
folder is listed again from scratch and reconciled with what is on disk
(:func:`exsync_tui.core.store.reconcile.reconcile`): kept files stay, changed
flags are renamed, only what matches nothing is fetched or deleted.
"""

from __future__ import annotations

from dataclasses import replace

from exsync_tui.core.sources import (
    ChangeType,
    FolderGone,
    ItemChange,
    ItemPage,
    SyncStateInvalid,
)
from exsync_tui.core.store import maildir_names
from exsync_tui.core.store.reconcile import LocalItem, ServerItem, reconcile
from exsync_tui.core.store.state import FolderRecord
from exsync_tui.core.sync.context import GuardFigures, SyncContext
from exsync_tui.core.sync.delete_guard import (
    HELD,
    DeletesPostponed,
    guard_deletes,
    note_arrivals,
    real_deletes,
    release_held,
)
from exsync_tui.core.sync.events import (
    FolderCounts,
    FolderDone,
    FolderStarted,
    Progress,
    SyncWarning,
)
from exsync_tui.core.sync.flags import server_flags
from exsync_tui.core.sync.mail import PagePlan, apply_page, fold_change, plan_page, retry_failed


def sync_postponed(ctx: SyncContext) -> FolderCounts:
    """Sync again, for good, the mail folders whose deletions were postponed (the moves
    among them are known now: see :mod:`exsync_tui.core.sync.delete_guard`)."""
    counts = FolderCounts()
    postponed, ctx.postponed = ctx.postponed, []
    for folder_id in postponed:
        ctx.check_cancel()
        current = ctx.state.folder(folder_id)
        if current is not None:
            counts = counts.plus(sync_mail_folder(ctx, current, final=True))
    return counts


def sync_mail_folder(
    ctx: SyncContext, folder: FolderRecord, *, final: bool = False
) -> FolderCounts:
    """Bring one mail folder up to date; returns what changed on disk.

    Unless ``final``, deletions that trip the guard postpone the folder (to
    ``ctx.postponed``, for :func:`sync_postponed`) instead of holding them.
    """
    total = ctx.first_sync_total(folder.remote_id, folder.sync_state)
    ctx.emit(FolderStarted(ctx.profile, folder.local_path, "mail", total))
    if not ctx.options.dry_run:
        # The hierarchy commit may have been the last thing a crashed run did.
        ctx.maildir.create_folder(folder.local_path)
    try:
        try:
            counts, stopped = _page_loop(ctx, folder, total, final)
        except SyncStateInvalid:
            ctx.emit(
                SyncWarning(
                    ctx.profile,
                    "the server refused the saved sync state: listing the folder again "
                    "and keeping every message already here",
                    folder=folder.local_path,
                )
            )
            counts, stopped = resync_mail_folder(ctx, folder, final)
    except DeletesPostponed as postponed:
        ctx.postponed.append(folder.remote_id)
        return postponed.counts
    except FolderGone:
        ctx.emit(
            SyncWarning(ctx.profile, "deleted on the server during the run", folder.local_path)
        )
        return FolderCounts()
    ctx.emit(FolderDone(ctx.profile, folder.local_path, "mail", counts, stopped))
    return counts


def _first_or_next_page(ctx: SyncContext, folder_id: str, state: str | None) -> ItemPage:
    """The page since ``state``: asked for ahead when it is the folder's first of the run."""
    if ctx.first_pages is not None:
        asked = ctx.first_pages.take(folder_id, state)
        if asked is not None:
            return asked
    return ctx.source.sync_items(folder_id, state, ctx.options.page_size)


def _page_loop(
    ctx: SyncContext, folder: FolderRecord, total: int | None, final: bool
) -> tuple[FolderCounts, str | None]:
    fid, state = folder.remote_id, folder.sync_state
    figures = ctx.guard_figures.setdefault(fid, GuardFigures(ctx.state.item_count(fid)))
    # Messages whose fetch failed in earlier runs first (once a run: not again when a
    # postponed folder runs its final pass); this run's failures wait for the next run.
    retry = not (ctx.options.dry_run or final)
    counts = retry_failed(ctx, folder) if retry else FolderCounts()
    deleted = figures.deleted  # a dry run applies nothing: a second attempt starts over
    while True:
        ctx.check_cancel()
        page = _first_or_next_page(ctx, fid, state)
        plan = plan_page(ctx, folder, page)
        note_arrivals(ctx, fid, plan.arrived)
        real = real_deletes(ctx, fid, plan.delete.values())
        # A dry run's second attempt lists every page again: its counts start over.
        postpone = None if final else counts if not ctx.options.dry_run else FolderCounts()
        if real and not guard_deletes(
            ctx, folder, figures.local_at_start, deleted + real, postpone=postpone
        ):
            return counts, HELD
        written = 0
        if not ctx.options.dry_run:
            written = apply_page(ctx, folder, page, plan)
            figures.deleted += real
        deleted += real
        counts = counts.plus(plan.counts).plus(FolderCounts(bytes=written))
        ctx.emit(Progress(ctx.profile, folder.local_path, counts.items, total, counts.bytes))
        state = page.sync_state
        if page.includes_last:
            release_held(ctx, fid)
            return counts, None


def _server_listing(ctx: SyncContext, folder: FolderRecord) -> tuple[dict[str, ItemChange], str]:
    """Every item of the folder as the server lists it from no state, and the final state."""
    listed: dict[str, ItemChange] = {}
    state: str | None = None
    while True:
        ctx.check_cancel()
        page = ctx.source.sync_items(folder.remote_id, state, ctx.options.page_size)
        for change in page.changes:
            if change.type is ChangeType.DELETE:
                listed.pop(change.item_id, None)
            else:
                fold_change(listed, change)
        state = page.sync_state
        if page.includes_last:
            return listed, state


def resync_mail_folder(
    ctx: SyncContext, folder: FolderRecord, final: bool = True
) -> tuple[FolderCounts, str | None]:
    """List the folder from scratch and reconcile it with the disk (no delete-then-download)."""
    listed, final_state = _server_listing(ctx, folder)
    records = {r.item_id: r for r in ctx.state.items(folder.remote_id)}
    local = [
        LocalItem(
            r.item_id,
            r.base,
            r.change_key,
            r.message_id,
            r.size,
            r.flags,
            on_disk=ctx.maildir.find(folder.local_path, r.base) is not None,
        )
        for r in records.values()
    ]
    server = [
        ServerItem(c.item_id, c.change_key, c.message_id, c.size, server_flags(c))
        for c in listed.values()
    ]
    result = reconcile(server, local)
    on_disk = sum(1 for item in local if item.on_disk)
    real = real_deletes(ctx, folder.remote_id, (records[g.item_id] for g in result.delete))
    postpone = None if final else FolderCounts()
    if real and not guard_deletes(ctx, folder, on_disk, real, postpone=postpone):
        return FolderCounts(), HELD
    plan = PagePlan()
    for match in result.matched:
        if not (match.rebind or match.flags_changed):
            continue  # the file is right as it is
        record = records[match.local.item_id]
        if match.rebind:
            plan.forget_rows.append(record.item_id)
            record = replace(record, item_id=match.server.item_id)
        plan.flags[match.server.item_id] = (record, listed[match.server.item_id])
    for wanted in result.fetch:
        plan.fetch[wanted.item_id] = listed[wanted.item_id]
        plan.bases[wanted.item_id] = maildir_names.new_base()
    note_arrivals(ctx, folder.remote_id, plan.arrived)
    for gone in result.delete:
        plan.delete[gone.item_id] = records[gone.item_id]
    plan.forget_rows.extend(gone.item_id for gone in result.forget)
    if ctx.options.dry_run:
        return plan.counts, None
    page = ItemPage(folder.remote_id, tuple(listed.values()), final_state, True)
    written = apply_page(ctx, folder, page, plan)
    return plan.counts.plus(FolderCounts(bytes=written)), None
