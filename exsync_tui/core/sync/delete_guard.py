"""The mass-delete guard as a run applies it to mail folders and calendars.

:func:`exsync_tui.core.store.guard.check_deletes` decides on figures; this module
gives it the figures of one folder in one run and records what it held.

A message moved to another folder is a delete in one folder and a new message
in the other, and the two halves can come in either order. So a mail folder's
run that trips the guard is first *postponed* (:class:`DeletesPostponed`):
the other folders go on, and the postponed folder runs again once they are
done. Its deletions that were new somewhere else in the meantime (the same
Message-ID and size, or the same id: Graph's ImmutableIds survive a move)
count as moves, not deletions; what is left is held as before. The figures of
the first attempt carry over, so a postponed folder never deletes more than
one uninterrupted run could.
"""

from __future__ import annotations

from collections.abc import Iterable

from exsync_tui.core.sources import ItemChange
from exsync_tui.core.store.guard import check_deletes
from exsync_tui.core.store.state import FolderRecord, HeldDelete, ItemRecord
from exsync_tui.core.sync.context import SyncContext
from exsync_tui.core.sync.events import FolderCounts, MassDeleteHeld

HELD = "mass delete held"
"""``FolderDone.stopped`` of a folder whose deletions were held."""


class DeletesPostponed(Exception):
    """A mail folder's deletions tripped the guard before the rest of the run was seen."""

    def __init__(self, counts: FolderCounts) -> None:
        super().__init__("deletions postponed until the other folders are synced")
        self.counts = counts


def held_delete(ctx: SyncContext, folder_id: str) -> HeldDelete | None:
    """The mass delete held back for a folder in an earlier run, if any."""
    return next((h for h in ctx.state.held_deletes() if h.folder_id == folder_id), None)


def real_deletes(ctx: SyncContext, folder_id: str, deleting: Iterable[ItemRecord]) -> int:
    """How many of ``deleting`` are deletions, not halves of a move seen in this run."""
    return sum(
        1
        for r in deleting
        if not ctx.arrivals.elsewhere(folder_id, r.item_id, message_key(r.message_id, r.size))
    )


def note_arrivals(ctx: SyncContext, folder_id: str, arrived: Iterable[ItemChange]) -> None:
    """Remember the messages new in ``folder_id``: they may be another folder's deletions."""
    for change in arrived:
        ctx.arrivals.add(folder_id, change.item_id, message_key(change.message_id, change.size))


def message_key(message_id: str | None, size: int | None) -> tuple[str, int] | None:
    """Message-ID + size: how a message is recognised in another folder (None: cannot be)."""
    if not message_id or size is None:
        return None
    return message_id, size


def guard_deletes(
    ctx: SyncContext,
    folder: FolderRecord,
    local_at_start: int,
    deleting: int,
    *,
    postpone: FolderCounts | None = None,
) -> bool:
    """True when the folder may delete ``deleting`` messages this run; else hold and say so.

    With ``postpone`` (the counts so far), a refusal raises :class:`DeletesPostponed`
    instead of holding: the caller tries again once the run's other folders are synced.
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
            noun="events" if folder.kind == "calendar" else "messages",
        )
        if verdict.allowed:
            return True
        reason = verdict.reason
    if postpone is not None:
        raise DeletesPostponed(postpone)
    ctx.held += 1
    ctx.emit(MassDeleteHeld(ctx.profile, folder.local_path, deleting, local_at_start, reason))
    if not ctx.options.dry_run:
        with ctx.state.transaction():
            ctx.state.hold_delete(HeldDelete(folder.remote_id, deleting, local_at_start))
    return False


def release_held(ctx: SyncContext, folder_id: str) -> None:
    """A folder synced to its end: a delete held in an earlier run is no longer waiting."""
    if not ctx.options.dry_run and held_delete(ctx, folder_id) is not None:
        with ctx.state.transaction():
            ctx.state.clear_held_delete(folder_id)
