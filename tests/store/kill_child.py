"""A child process that syncs one page into a Maildir the way the engine must, and SIGKILLs
itself at a chosen point. Run by test_kill_safety: ``python -m tests.store.kill_child
ROOT STATE POINT K``.

The protocol (see exsync_tui/core/store/recovery.py): recover; commit the new files'
base names as pending; deliver; sync_dirs; one transaction records the items, clears
the pending marks and saves the page's sync state.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from exsync_tui.core.store.lock import ProfileLock
from exsync_tui.core.store.maildir import MaildirStore
from exsync_tui.core.store.maildir_names import new_base
from exsync_tui.core.store.recovery import recover
from exsync_tui.core.store.state import FolderRecord, ItemRecord, StateDB

PAGE = 6
FOLDER = FolderRecord("F1", None, "Inbox", "mail", "Inbox")


def message(number: int) -> bytes:
    """The server's MIME for item ``number`` (distinct Message-ID, some bulk)."""
    head = f"Message-ID: <{number}@example.com>\r\nSubject: m{number}\r\n\r\n"
    return head.encode() + (f"line {number}\r\n" * 2000).encode()


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(root: Path, state_dir: Path, point: str, k: int) -> None:
    def at(name: str, index: int = -1) -> None:
        if name == point and index in (-1, k):
            die()

    lock = ProfileLock(state_dir)
    lock.acquire()
    state = StateDB.open(state_dir)
    maildir = MaildirStore(root)
    recover(state, maildir)
    if state.folder(FOLDER.remote_id) is None:
        maildir.create_folder(FOLDER.local_path)
        maildir.sync_dirs()
        with state.transaction():
            state.put_folder(FOLDER)
    folder = state.folder(FOLDER.remote_id)
    assert folder is not None
    if folder.sync_state == "page-1":
        return  # the server has nothing new
    todo = [n for n in range(PAGE) if state.item("F1", f"item-{n}") is None]
    bases = {n: new_base() for n in todo}
    at("before-pending")
    with state.transaction():
        for n in todo:
            state.add_pending("F1", bases[n])
    real_rename = os.rename
    renames = iter(range(10_000))

    def rename(src: object, dst: object) -> None:
        index = next(renames)
        at("before-rename", index)
        real_rename(src, dst)  # type: ignore[arg-type]
        at("after-rename", index)

    os.rename = rename  # type: ignore[assignment]

    def chunks(n: int) -> Iterator[bytes]:
        data = message(n)
        yield data[: len(data) // 2]
        at("mid-write", n)
        yield data[len(data) // 2 :]

    for n in todo:
        maildir.deliver("Inbox", chunks(n), flags="S" if n % 2 else "", base=bases[n])
    at("before-sync-dirs")
    maildir.sync_dirs()
    with state.transaction():
        for position, n in enumerate(todo):
            at("in-transaction", position)
            state.put_item(ItemRecord("F1", f"item-{n}", bases[n], message_id=f"<{n}@example.com>"))
            state.clear_pending("F1", bases[n])
        state.set_folder_sync_state("F1", "page-1")
    at("after-commit")


MOVE_FOLDERS = {
    "FI": ("Inbox", "Mail"),
    "FA": ("Inbox/A", "B"),
    "FB": ("B", "Mail/A"),
}
"""Folder id → (path before, path after): a rename, and a swap across levels."""


def main_moves(root: Path, state_dir: Path, point: str, k: int) -> None:
    """Apply a hierarchy change (rename + swap) and die at ``point`` (``move-...``)."""
    lock = ProfileLock(state_dir)
    lock.acquire()
    state = StateDB.open(state_dir)
    maildir = MaildirStore(root)
    recover(state, maildir)
    if state.hierarchy_state() is None:
        for before, _after in MOVE_FOLDERS.values():
            maildir.create_folder(before)
        with state.transaction():
            for index, (folder_id, (before, _after)) in enumerate(MOVE_FOLDERS.items()):
                state.put_folder(FolderRecord(folder_id, None, folder_id, "mail", before))
                for n in range(2):
                    body = message(100 + index * 10 + n)
                    base = maildir.deliver(before, body, flags="S").base
                    state.put_item(ItemRecord(folder_id, f"{folder_id}-{n}", base))
            state.set_hierarchy_state("h1")
        maildir.sync_dirs()
    if state.hierarchy_state() == "h2":
        return
    moves = {before: after for before, after in MOVE_FOLDERS.values()}
    with state.transaction():
        state.set_folder_paths({rid: after for rid, (_before, after) in MOVE_FOLDERS.items()})
        state.set_folder_moves("mail", moves)
        state.set_hierarchy_state("h2")
    if point == "move-before-apply":
        die()
    real_rename = os.rename
    renames = iter(range(10_000))

    def rename(src: object, dst: object) -> None:
        index = next(renames)
        real_rename(src, dst)  # type: ignore[arg-type]
        if point == "move-after-rename" and index == k:
            die()

    os.rename = rename  # type: ignore[assignment]
    maildir.move_folders(moves)
    os.rename = real_rename
    if point == "move-before-clear":
        die()
    with state.transaction():
        state.clear_folder_moves("mail")
    if point == "move-before-finish":
        die()
    maildir.finish_folder_moves()


if __name__ == "__main__":
    run = main_moves if sys.argv[3].startswith("move") else main
    run(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
