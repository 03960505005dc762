"""What changed locally since the last sync: flags, deletions and moves, found on disk.

The state records, for every message, the flags and the file (base name) the last
sync left. Comparing that with the Maildir as it is now tells what the user did in
neomutt, notmuch (``maildir.synchronize_flags``), aerc or mbsync:

- the file is there with other ``S``/``F``/``R`` flags: a flag change;
- the file is there with ``T`` (trashed): a delete;
- the file is in another synced folder (same base name): a move, or a delete when
  it carries ``T`` there;
- the file is nowhere: a delete.

Nothing here writes; :mod:`.push` carries the plan out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exsync_tui.core.sources import FlagPush
from exsync_tui.core.store.maildir import MaildirStore, MessageFile
from exsync_tui.core.store.state import FolderRecord, ItemRecord, StateDB

PUSHED_FLAGS = "FRS"
"""Maildir flags written back to the server: flagged, replied, seen."""
TRASHED = "T"


def pushed(flags: str) -> str:
    """The flags among :data:`PUSHED_FLAGS` in ``flags``, sorted."""
    return "".join(sorted(set(flags) & set(PUSHED_FLAGS)))


def with_pushed(flags: str, local: str) -> str:
    """``flags`` (as the state has them) with the pushed flags taken from ``local``."""
    kept = set(flags) - set(PUSHED_FLAGS)
    return "".join(sorted(kept | set(pushed(local))))


def _wanted(flag: str, base: str, local: str) -> bool | None:
    """The value to write for ``flag``: None when the local side did not change it."""
    before, now = flag in base, flag in local
    return None if before == now else now


@dataclass(frozen=True)
class FlagChange:
    """A message whose pushed flags differ from what the last sync left."""

    folder: FolderRecord
    record: ItemRecord
    local: str
    """The file's flags now."""

    def push(self) -> FlagPush:
        """What to write: only the flags the local side changed."""
        base, local = self.record.flags, self.local
        return FlagPush(
            self.record.item_id,
            self.record.change_key,
            is_read=_wanted("S", base, local),
            flagged=_wanted("F", base, local),
            answered=_wanted("R", base, local),
        )


@dataclass(frozen=True)
class LocalMove:
    """A message whose file the user moved to another synced folder."""

    folder: FolderRecord
    record: ItemRecord
    target: FolderRecord
    local: str
    """The moved file's flags (changes to them are pushed after the move)."""


@dataclass(frozen=True)
class LocalDelete:
    """A message deleted locally: its file is gone, or carries ``T`` in ``trashed_in``."""

    folder: FolderRecord
    record: ItemRecord
    trashed_in: FolderRecord | None = None


@dataclass
class PushPlan:
    """Every local change of a run, in the order they are pushed: moves, deletes, flags."""

    moves: list[LocalMove] = field(default_factory=list)
    deletes: list[LocalDelete] = field(default_factory=list)
    flags: list[FlagChange] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.moves) + len(self.deletes) + len(self.flags)


def detect(state: StateDB, maildir: MaildirStore, folders: list[FolderRecord]) -> PushPlan:
    """The local changes in ``folders`` (moves may go to any mail folder the state knows)."""
    mail = state.folders("mail")
    on_disk: dict[str, dict[str, MessageFile]] = {}
    untracked: dict[str, FolderRecord] = {}  # base -> the folder holding a file no row claims
    records: dict[str, list[ItemRecord]] = {}
    for folder in mail:
        if not maildir.folder_dir(folder.local_path).is_dir():
            continue  # not made yet (a folder new this run)
        files = on_disk[folder.remote_id] = maildir.messages(folder.local_path)
        records[folder.remote_id] = rows = state.items(folder.remote_id)
        tracked = {row.base for row in rows}
        for base in files.keys() - tracked:
            untracked[base] = folder
    plan = PushPlan()
    for folder in folders:
        here = on_disk.get(folder.remote_id)
        if here is None:
            continue
        for record in records[folder.remote_id]:
            _classify(plan, folder, record, here.get(record.base), untracked, on_disk)
    return plan


def _classify(
    plan: PushPlan,
    folder: FolderRecord,
    record: ItemRecord,
    file: MessageFile | None,
    untracked: dict[str, FolderRecord],
    on_disk: dict[str, dict[str, MessageFile]],
) -> None:
    if file is not None:
        if TRASHED in file.flags:
            plan.deletes.append(LocalDelete(folder, record, folder))
        elif pushed(file.flags) != pushed(record.flags):
            plan.flags.append(FlagChange(folder, record, file.flags))
        return
    target = untracked.get(record.base)
    if target is None:
        plan.deletes.append(LocalDelete(folder, record))
        return
    moved = on_disk[target.remote_id][record.base]
    if TRASHED in moved.flags:
        plan.deletes.append(LocalDelete(folder, record, target))
    else:
        plan.moves.append(LocalMove(folder, record, target, moved.flags))
