"""Two-way: local flag changes, moves and deletions written to the server before the pull.

Order and rules (the README's "Two-way sync" section says the same):

1. **Moves** (``MoveItem``, one request per target folder): the state row and the
   file move with the item (its new id), nothing is downloaded again.
2. **Deletes** go to the server's Deleted Items (``DeleteItem`` with
   ``MoveToDeletedItems``, never hard), under the mass-delete guard. Each is first
   checked (``GetItem``): a message *changed on the server* since the last sync is
   kept and fetched again instead (a warning says so).
3. **Flags** (``S`` read, ``F`` flagged, ``R`` replied), many items per
   ``UpdateItem``, each with the change key the last sync saw and
   ``NeverOverwrite``. A conflict (the item changed on the server) refreshes the
   item and retries with only what the server did not change too: a flag changed
   on both sides keeps the server's value (a warning says so).

Crash safety without a journal: every server write is idempotent or detectable,
and the state is only committed after it. A rerun finds the same local changes
(the files did not change) and writes them again: flags already set answer with
a conflict whose refresh shows the server already agrees; a delete or move already
done answers "not found" (a delete is then forgotten; a move's file is bound to
the moved item by Message-ID and size when the pull lists it, see :mod:`.mail`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from exsync_tui.core.sources import ItemChange, ItemPage, PushResult, PushStatus
from exsync_tui.core.store import maildir_names
from exsync_tui.core.store.guard import check_deletes
from exsync_tui.core.store.state import FolderRecord
from exsync_tui.core.sync import crashpoints
from exsync_tui.core.sync.context import Deferred, SyncContext
from exsync_tui.core.sync.events import MassDeleteHeld, Progress, Pushed, SyncWarning
from exsync_tui.core.sync.flags import server_flags
from exsync_tui.core.sync.mail import PagePlan, apply_page
from exsync_tui.core.sync.push_plan import (
    PUSHED_FLAGS,
    TRASHED,
    FlagChange,
    LocalDelete,
    LocalMove,
    PushPlan,
    detect,
    pushed,
    with_pushed,
)

_RICHER_ON_SERVER = frozenset("F")
"""Pushed flags the server keeps more about than Maildir (F: flagged or completed)."""

MAX_ATTEMPTS = 3
"""UpdateItem rounds for an item that keeps changing on the server; the rest waits a sync."""


@dataclass
class _Tally:
    """What was pushed for one folder (for the ``pushed`` event)."""

    flags: int = 0
    moved: int = 0
    deleted: int = 0
    kept: int = 0


class _Run:
    """One push: the context, the per-folder tallies and the progress count."""

    def __init__(self, ctx: SyncContext, plan: PushPlan) -> None:
        self.ctx = ctx
        self.tally: dict[str, _Tally] = defaultdict(_Tally)
        self.total = len(plan)
        self.done = 0

    def step(self, folder: FolderRecord, count: int = 1) -> None:
        self.done += count
        self.ctx.emit(Progress(self.ctx.profile, folder.local_path, self.done, self.total, 0))

    def warn(self, folder: FolderRecord, message: str) -> None:
        self.ctx.emit(SyncWarning(self.ctx.profile, message, folder=folder.local_path))


def push_local_changes(ctx: SyncContext, folders: Sequence[FolderRecord]) -> None:
    """Find and push this run's local changes in ``folders`` (mail only)."""
    if not ctx.options.push:
        return
    plan = detect(ctx.state, ctx.maildir, [f for f in folders if f.kind == "mail"])
    if not len(plan):
        return
    if not ctx.source.supports_push:
        ctx.emit(SyncWarning(ctx.profile, f"{len(plan)} local change(s) not sent to the "
                             "server: this mailbox source cannot push them"))  # fmt: skip
        return
    _guard(ctx, plan)
    if ctx.options.dry_run:
        _report(ctx, _planned(plan), dry_run=True)
        return
    run = _Run(ctx, plan)
    _moves(run, plan)
    _deletes(run, plan.deletes)
    _flags(run, plan.flags)
    _report(ctx, run.tally, dry_run=False)


def _planned(plan: PushPlan) -> dict[str, _Tally]:
    tally: dict[str, _Tally] = defaultdict(_Tally)
    for move in plan.moves:
        tally[move.folder.local_path].moved += 1
    for delete in plan.deletes:
        tally[delete.folder.local_path].deleted += 1
    for change in plan.flags:
        tally[change.folder.local_path].flags += 1
    return tally


def _report(ctx: SyncContext, tally: dict[str, _Tally], *, dry_run: bool) -> None:
    for path, counts in sorted(tally.items()):
        ctx.emit(Pushed(ctx.profile, path, counts.flags, counts.moved, counts.deleted,
                        counts.kept, dry_run))  # fmt: skip


def _guard(ctx: SyncContext, plan: PushPlan) -> None:
    """Hold back a folder's local deletions when they are a mass delete (asked every run:
    the files stay gone, so the next run finds the same deletions)."""
    by_folder: dict[str, list[LocalDelete]] = defaultdict(list)
    for delete in plan.deletes:
        by_folder[delete.folder.remote_id].append(delete)
    for folder_id, deletes in by_folder.items():
        local = ctx.state.item_count(folder_id)
        verdict = check_deletes(local, len(deletes), threshold=ctx.options.mass_delete_threshold,
                                allow=ctx.options.allow_mass_delete)  # fmt: skip
        if verdict.allowed:
            continue
        ctx.held += 1
        folder = deletes[0].folder
        reason = f"{verdict.reason}; deleted here, kept on the server"
        ctx.emit(MassDeleteHeld(ctx.profile, folder.local_path, len(deletes), local, reason,
                                direction="push"))  # fmt: skip
        plan.deletes = [d for d in plan.deletes if d.folder.remote_id != folder_id]


def _moves(run: _Run, plan: PushPlan) -> None:
    by_target: dict[str, list[LocalMove]] = defaultdict(list)
    for move in plan.moves:
        by_target[move.target.remote_id].append(move)
    for target_id, moves in by_target.items():
        results = run.ctx.source.move_items([m.record.item_id for m in moves], target_id)
        crashpoints.reached("push-after-move")
        claims: list[tuple[tuple[str, int], Deferred]] = []
        with run.ctx.state.transaction():
            for move, result in zip(moves, results, strict=True):
                follow = _moved(run, move, result, claims)
                if follow is not None:
                    plan.flags.append(follow)
                    run.total += 1
        crashpoints.reached("push-after-move-commit")
        run.ctx.deferred.update(claims)
        run.step(moves[0].target, len(moves))


def _moved(
    run: _Run,
    move: LocalMove,
    result: PushResult,
    claims: list[tuple[tuple[str, int], Deferred]],
) -> FlagChange | None:
    """Record one move's outcome (inside the transaction); the flag change still to push."""
    state, record, target = run.ctx.state, move.record, move.target
    if result.status is PushStatus.DONE and result.new_id:
        state.delete_item(record.folder_id, record.item_id)
        moved = replace(record, folder_id=target.remote_id, item_id=result.new_id,
                        change_key=result.change_key)  # fmt: skip
        state.put_item(moved)
        run.tally[move.folder.local_path].moved += 1
        if pushed(move.local) != pushed(record.flags):
            return FlagChange(target, moved, move.local)
        return None
    if result.status is PushStatus.NOT_FOUND:
        # Moved already (a rerun after a crash) or moved/deleted on the server: the
        # pull binds the file to the item wherever the server lists it (Message-ID and
        # size); unclaimed, it is pending and goes when the run ends (fetched again).
        state.delete_item(record.folder_id, record.item_id)
        state.add_pending(target.remote_id, record.base)
        if record.message_id and record.size is not None:
            key = (record.message_id, record.size)
            deferred = Deferred(target.remote_id, target.local_path, record.base, record.sha256)
            claims.append((key, deferred))
        return None
    run.warn(move.folder, f"not moved to {target.local_path} on the server: {result.detail}")
    return None


def _deletes(run: _Run, deletes: list[LocalDelete]) -> None:
    if not deletes:
        return
    ctx = run.ctx
    current = ctx.source.refresh_items([d.record.item_id for d in deletes])
    crashpoints.reached("push-after-refresh")
    gone: list[LocalDelete] = []
    delete: list[LocalDelete] = []
    for item in deletes:
        now = current.get(item.record.item_id)
        if now is None:
            gone.append(item)  # not there any more: deleted already, or moved on the server
        elif item.record.change_key and now.change_key not in (None, item.record.change_key):
            _keep(run, item, now)
        else:
            delete.append(item)
    crashpoints.reached("push-after-keep")
    if delete:
        results = ctx.source.delete_items([d.record.item_id for d in delete])
        crashpoints.reached("push-after-delete")
        for item, result in zip(delete, results, strict=True):
            if result.status in (PushStatus.DONE, PushStatus.NOT_FOUND):
                gone.append(item)
            else:
                run.warn(item.folder, f"not deleted on the server: {result.detail}")
    _forget(run, gone)


def _forget(run: _Run, gone: list[LocalDelete]) -> None:
    """Forget deleted messages. A trashed file stays, pending, for the pull to move into
    the folder the server lists the message in now (its Deleted Items): no download. Other
    trashed files go first; a crash before the commit leaves a row whose file is
    trashed or gone, which the next run pushes (harmlessly) again."""
    ctx = run.ctx
    claims: list[tuple[tuple[str, int], Deferred]] = []
    for item in gone:
        record, trashed = item.record, item.trashed_in
        if trashed is None:
            continue
        if record.message_id and record.size is not None:
            deferred = Deferred(trashed.remote_id, trashed.local_path, record.base, record.sha256)
            claims.append(((record.message_id, record.size), deferred))
        else:
            ctx.maildir.delete(trashed.local_path, record.base)
    ctx.maildir.sync_dirs()
    crashpoints.reached("push-after-delete-files")
    with ctx.state.transaction():
        for item in gone:
            ctx.state.delete_item(item.folder.remote_id, item.record.item_id)
            run.tally[item.folder.local_path].deleted += 1
        for _key, deferred in claims:
            ctx.state.add_pending(deferred.folder_id, deferred.base)  # unclaimed: deleted
    crashpoints.reached("push-after-delete-commit")
    ctx.deferred.update(claims)
    for item in gone:
        run.step(item.folder)


def _keep(run: _Run, item: LocalDelete, now: ItemChange) -> None:
    """Deleted here, changed on the server: the server's message stays and comes back here."""
    ctx, folder, record = run.ctx, item.folder, item.record
    run.warn(folder, "a message deleted here was changed on the server: kept, fetched again")
    run.tally[folder.local_path].kept += 1
    flags = server_flags(now, record.flags)
    if item.trashed_in is not None and item.trashed_in.remote_id == folder.remote_id:
        ctx.maildir.set_flags(folder.local_path, record.base, flags)  # drops the T
        ctx.maildir.sync_dirs()
        with ctx.state.transaction():
            ctx.state.put_item(replace(record, flags=flags, change_key=now.change_key))
        return
    if item.trashed_in is not None:
        ctx.maildir.delete(item.trashed_in.local_path, record.base)
    current = ctx.state.folder(folder.remote_id)
    if current is None or current.sync_state is None:
        return  # never synced to the end: the pull lists the folder from scratch anyway
    plan = PagePlan(fetch={record.item_id: now},
                    bases={record.item_id: maildir_names.new_base()})  # fmt: skip
    # The folder's sync state stays as it is: this is not a page of the server's changes.
    apply_page(ctx, current, ItemPage(folder.remote_id, (), current.sync_state, True), plan)


def _flags(run: _Run, changes: list[FlagChange]) -> None:
    pending = list(changes)
    for _attempt in range(MAX_ATTEMPTS):
        if not pending:
            return
        conflicts = _update(run, pending)
        if not conflicts:
            return
        current = run.ctx.source.refresh_items([c.record.item_id for c in conflicts])
        pending = []
        for change in conflicts:
            now = current.get(change.record.item_id)
            retry = _resolve(run, change, now) if now is not None else None
            if retry is not None:
                pending.append(retry)
    for change in pending:
        run.warn(change.folder, "flags not sent: the message keeps changing on the server "
                 "(tried again next sync)")  # fmt: skip


def _update(run: _Run, pending: list[FlagChange]) -> list[FlagChange]:
    """One round of UpdateItem; returns the changes that met a conflict."""
    ctx = run.ctx
    results = ctx.source.update_flags([c.push() for c in pending])
    crashpoints.reached("push-after-update")
    conflicts: list[FlagChange] = []
    with ctx.state.transaction():
        for change, result in zip(pending, results, strict=True):
            record = change.record
            if result.status is PushStatus.DONE:
                flags = with_pushed(record.flags, change.local)
                ck = result.change_key or record.change_key
                ctx.state.put_item(replace(record, flags=flags, change_key=ck))
                run.tally[change.folder.local_path].flags += 1
            elif result.status is PushStatus.CONFLICT:
                conflicts.append(change)
            elif result.status is PushStatus.FAILED:
                run.warn(change.folder, f"flags not sent: {result.detail}")
            # NOT_FOUND: deleted or moved on the server; the pull brings that.
    crashpoints.reached("push-after-update-commit")
    if pending:
        run.step(pending[0].folder, len(pending) - len(conflicts))
    return conflicts


def _resolve(run: _Run, change: FlagChange, now: ItemChange) -> FlagChange | None:
    """After a conflict: what is still to push, given the server's current flags.

    A flag changed here and on the server since the last sync keeps the server's
    value; a flag changed only here is pushed again with the fresh change key.
    """
    base, local = set(pushed(change.record.flags)), set(pushed(change.local))
    server = set(pushed(server_flags(now, change.record.flags)))
    both = {f for f in PUSHED_FLAGS if (f in base) != (f in local) and (f in base) != (f in server)}
    # Both sides made the same change (S and R are yes/no: they agree, as after a replay
    # of a push the server applied before a crash). Only F hides more on the server (a
    # completed flag reads as not flagged), so only F's is worth a warning.
    if warned := both & _RICHER_ON_SERVER:
        names = ", ".join(sorted(warned))
        run.warn(change.folder, f"{names} changed here and on the server since the last sync: "
                 "the server's value is kept")  # fmt: skip
    local_now = (local - both) | (server & both)
    base_now = (base - both) | (server & both)
    if local_now == base_now:
        return None
    record = replace(change.record, change_key=now.change_key,
                     flags=with_pushed(change.record.flags, "".join(base_now)))  # fmt: skip
    return FlagChange(change.folder, record, "".join(local_now) + _others(change.local))


def _others(flags: str) -> str:
    return "".join(f for f in flags if f not in PUSHED_FLAGS and f != TRASHED)
