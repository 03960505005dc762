"""The Maildir writer: atomic delivery, flags by rename, moves, client renames recognised."""

from __future__ import annotations

import mailbox
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsync_tui.core.store.errors import StoreError
from exsync_tui.core.store.folder_names import Layout
from exsync_tui.core.store.maildir import MaildirStore, MessageTooLarge
from exsync_tui.core.store.maildir_names import new_base

MESSAGE = (
    b"From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: Hello\r\n"
    b"Message-ID: <1@example.com>\r\n\r\nBody line one\r\nline two\r\n"
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def store(tmp_path: Path) -> MaildirStore:
    maildir = MaildirStore(tmp_path / "mail")
    maildir.create_folder("Inbox")
    return maildir


def test_create_folder_makes_a_private_maildir(store: MaildirStore) -> None:
    store.create_folder("Inbox/Projects")
    folder = store.root / "Inbox" / "Projects"
    for sub in ("cur", "new", "tmp"):
        assert (folder / sub).is_dir()
        assert _mode(folder / sub) == 0o700
    assert _mode(folder) == 0o700
    assert store.folders() == ["Inbox", "Inbox/Projects"]


def test_maildirpp_layout_marks_subfolders_and_makes_the_root_a_maildir(tmp_path: Path) -> None:
    store = MaildirStore(tmp_path / "mail", Layout.MAILDIRPP)
    store.create_folder(".Inbox.Projects")
    assert (store.root / "cur").is_dir()
    assert (store.root / ".Inbox.Projects" / "maildirfolder").is_file()
    assert store.folders() == [".Inbox.Projects"]
    delivered = store.deliver(".Inbox.Projects", MESSAGE, flags="S")
    assert delivered.path.parent == store.root / ".Inbox.Projects" / "cur"


def test_delivery_follows_the_documented_rule(store: MaildirStore) -> None:
    unread = store.deliver("Inbox", MESSAGE)
    seen = store.deliver("Inbox", MESSAGE, flags="SF")
    flagged = store.deliver("Inbox", MESSAGE, flags="F")
    assert unread.path == store.root / "Inbox" / "new" / unread.base
    assert seen.path == store.root / "Inbox" / "cur" / f"{seen.base}:2,FS"
    assert flagged.path.name == f"{flagged.base}:2,F"
    for delivered in (unread, seen, flagged):
        assert _mode(delivered.path) == 0o600
        assert delivered.size == len(MESSAGE)
    assert os.listdir(store.root / "Inbox" / "tmp") == []


def test_python_mailbox_reads_every_message_byte_identical(store: MaildirStore) -> None:
    bodies = [MESSAGE, MESSAGE.replace(b"Hello", b"Second"), b"X-Empty: yes\n\n", bytes(range(256))]
    flags = ["S", "F", "", "RS"]
    written = {
        store.deliver("Inbox", b, flags=f).base: b for b, f in zip(bodies, flags, strict=True)
    }
    box = mailbox.Maildir(store.root / "Inbox", factory=None, create=False)
    # mailbox keys are the names before ':', i.e. exactly our base names
    assert {key: box.get_bytes(key) for key in box.iterkeys()} == written
    assert sorted(box.get_message(k).get_flags() for k in box.iterkeys()) == sorted(flags)


def test_streamed_delivery_writes_chunks_and_enforces_the_cap(store: MaildirStore) -> None:
    chunks = [b"a" * 1000, b"b" * 1000, b"c" * 500]
    delivered = store.deliver("Inbox", iter(chunks), max_size=2500)
    assert delivered.path.read_bytes() == b"".join(chunks)

    def too_big() -> Iterator[bytes]:
        yield b"x" * 2000
        yield b"y" * 2000

    with pytest.raises(MessageTooLarge, match="larger than the limit of 3000 bytes"):
        store.deliver("Inbox", too_big(), max_size=3000)
    folder = store.root / "Inbox"
    assert os.listdir(folder / "tmp") == []
    assert len(os.listdir(folder / "new")) == 1  # only the first one


def test_a_failing_stream_leaves_no_file(store: MaildirStore) -> None:
    def broken() -> Iterator[bytes]:
        yield b"partial"
        raise ConnectionError("dropped")

    with pytest.raises(ConnectionError):
        store.deliver("Inbox", broken())
    folder = store.root / "Inbox"
    assert [os.listdir(folder / s) for s in ("tmp", "new", "cur")] == [[], [], []]


def test_flags_change_by_rename_and_never_rewrite_the_file(store: MaildirStore) -> None:
    delivered = store.deliver("Inbox", MESSAGE)
    inode = delivered.path.stat().st_ino
    seen = store.set_flags("Inbox", delivered.base, "S")
    assert seen.path.name == f"{delivered.base}:2,S"
    assert seen.path.parent.name == "cur"
    flagged = store.set_flags("Inbox", delivered.base, "FS")
    assert flagged.path.name == f"{delivered.base}:2,FS"
    assert flagged.path.stat().st_ino == inode
    assert not delivered.path.exists() and not seen.path.exists()


def test_unknown_flags_from_a_client_are_kept(store: MaildirStore) -> None:
    delivered = store.deliver("Inbox", MESSAGE, flags="S")
    client_named = delivered.path.with_name(f"{delivered.base}:2,PSa")  # passed + keyword
    os.rename(delivered.path, client_named)
    result = store.set_flags("Inbox", delivered.base, "F")
    assert result.path.name == f"{delivered.base}:2,FPa"


def test_a_message_renamed_by_a_client_is_recognised(store: MaildirStore) -> None:
    first = store.deliver("Inbox", MESSAGE)
    second = store.deliver("Inbox", MESSAGE, flags="S")
    # neomutt reads the first: new/ → cur/ with :2,S
    os.rename(first.path, store.root / "Inbox" / "cur" / f"{first.base}:2,S")
    # mbsync adds its UID and flags the second
    os.rename(second.path, second.path.with_name(f"{second.base},U=17:2,FS"))
    found_first = store.find("Inbox", first.base)
    found_second = store.find("Inbox", second.base)
    assert found_first is not None and found_first.flags == "S"
    assert found_second is not None and found_second.flags == "FS"
    assert set(store.messages("Inbox")) == {first.base, second.base}
    renamed = store.set_flags("Inbox", second.base, "S")
    assert renamed.path.name == f"{second.base},U=17:2,S"  # mbsync's UID survives
    assert len(os.listdir(store.root / "Inbox" / "cur")) == 2


def test_move_between_folders_renames_the_same_file(store: MaildirStore) -> None:
    store.create_folder("Archive")
    delivered = store.deliver("Inbox", MESSAGE, flags="S")
    inode = delivered.path.stat().st_ino
    moved = store.move("Inbox", "Archive", delivered.base)
    assert moved.path == store.root / "Archive" / "cur" / delivered.path.name
    assert moved.path.stat().st_ino == inode
    assert store.find("Inbox", delivered.base) is None
    assert store.locate(delivered.base) == ("Archive", moved)
    assert store.move("Inbox", "Archive", delivered.base) == moved  # a replay is harmless
    with pytest.raises(StoreError, match="not in folder"):
        store.move("Inbox", "Archive", "no-such-base")


def test_delete_is_idempotent(store: MaildirStore) -> None:
    delivered = store.deliver("Inbox", MESSAGE)
    assert store.delete("Inbox", delivered.base) is True
    assert store.delete("Inbox", delivered.base) is False
    assert not delivered.path.exists()


def test_folder_moves_carry_messages_and_swap_names(store: MaildirStore) -> None:
    store.create_folder("Inbox/A")
    store.create_folder("B")
    in_a = store.deliver("Inbox/A", MESSAGE, flags="S")
    in_b = store.deliver("B", MESSAGE)
    # A and B swap names; A also moves out of Inbox.
    moves = {"Inbox/A": "B", "B": "A"}
    store.move_folders(moves)
    assert store.find("B", in_a.base) is not None
    assert store.find("A", in_b.base) is not None
    assert store.folders() == ["A", "B", "Inbox"]
    # Replaying the same moves (the state had not yet recorded them done) swaps nothing back.
    store.move_folders(moves)
    assert store.find("B", in_a.base) is not None
    store.finish_folder_moves()
    assert not (store.root / ".%exsync-moving").exists()


def test_parent_and_child_move_together(store: MaildirStore) -> None:
    store.create_folder("Inbox/Projects")
    inside = store.deliver("Inbox/Projects", MESSAGE)
    store.move_folders({"Inbox": "Mail", "Inbox/Projects": "Mail/Work"})
    assert store.folders() == ["Mail", "Mail/Work"]
    assert store.find("Mail/Work", inside.base) is not None


def test_move_onto_an_existing_folder_is_refused_before_anything_moves(
    store: MaildirStore,
) -> None:
    store.create_folder("Other")
    store.create_folder("Third")
    with pytest.raises(StoreError, match="something else is there"):
        store.move_folders({"Third": "Moved", "Inbox": "Other"})
    assert store.folders() == ["Inbox", "Other", "Third"]
    store.finish_folder_moves()  # nothing was planned: nothing to remove


def test_a_new_move_replaces_a_done_plan(store: MaildirStore) -> None:
    store.create_folder("B")
    store.move_folders({"Inbox": "A"})  # done, but not finished
    store.move_folders({"B": "C"})  # a done plan is replaced
    assert store.folders() == ["A", "C"]


def test_delete_folder(store: MaildirStore) -> None:
    store.create_folder("Inbox/Sub")
    store.deliver("Inbox/Sub", MESSAGE)
    assert store.delete_folder("Inbox") is True
    assert store.folders() == []
    assert store.delete_folder("Inbox") is False


@pytest.mark.parametrize(
    "bad", ["../x", "/abs", "a/../b", "", "a//b", ".", "a\\b", ".%exsync-moving"]
)
def test_paths_outside_the_root_are_refused(store: MaildirStore, bad: str) -> None:
    with pytest.raises(StoreError):
        store.create_folder(bad)


def test_recover_removes_our_tmp_leftovers_not_a_fresh_foreign_file(
    store: MaildirStore,
) -> None:
    tmp = store.root / "Inbox" / "tmp"
    ours = tmp / new_base()
    ours.write_bytes(b"half a mess")
    foreign = tmp / "12345.neomutt-draft"
    foreign.write_bytes(b"being written by someone else")
    old_foreign = tmp / "1.ancient"
    old_foreign.write_bytes(b"old")
    os.utime(old_foreign, (1, 1))
    removed = store.recover()
    assert sorted(removed) == sorted([ours, old_foreign])
    assert foreign.exists()


def test_delivering_to_a_missing_folder_says_so(store: MaildirStore) -> None:
    with pytest.raises(StoreError, match="'Nope' does not exist; create it first"):
        store.deliver("Nope", MESSAGE)


def test_bad_flags_and_base_names_are_refused(store: MaildirStore) -> None:
    with pytest.raises(ValueError, match="not a Maildir flag"):
        store.deliver("Inbox", MESSAGE, flags="S:")
    with pytest.raises(StoreError, match="not a valid Maildir file name"):
        store.deliver("Inbox", MESSAGE, base="../../etc")
    taken = store.deliver("Inbox", MESSAGE, flags="S").base
    with pytest.raises(StoreError, match="already in folder"):
        store.deliver("Inbox", b"other", base=taken)
    assert store.find("Inbox", taken) is not None


def test_sync_dirs_settles_the_batch_even_after_client_renames(store: MaildirStore) -> None:
    renamed = store.deliver("Inbox", MESSAGE)
    deleted = store.deliver("Inbox", MESSAGE)
    kept = store.deliver("Inbox", MESSAGE, flags="S")
    assert store._unsynced and store._dirty  # waiting for the batch fsync
    os.rename(renamed.path, store.root / "Inbox" / "cur" / f"{renamed.base}:2,S")
    deleted.path.unlink()
    store.sync_dirs()
    assert not store._unsynced and not store._dirty
    assert kept.path.exists()


def test_fsync_each_mode_has_nothing_left_for_the_batch(tmp_path: Path) -> None:
    store = MaildirStore(tmp_path / "mail", fsync_each=True)
    store.create_folder("Inbox")
    delivered = store.deliver("Inbox", MESSAGE)
    assert delivered.path.read_bytes() == MESSAGE
    assert store._unsynced == []


def test_base_names_are_unique() -> None:
    bases = {new_base() for _ in range(10_000)}
    assert len(bases) == 10_000
    assert all(":" not in b and "/" not in b and not b.startswith(".") for b in bases)


def test_every_new_directory_entry_is_in_the_batch_fsync(tmp_path: Path) -> None:
    store = MaildirStore(tmp_path / "mail")
    store.create_folder("A/B")
    root = tmp_path / "mail"
    assert {tmp_path, root, root / "A", root / "A" / "B"} <= store._dirty
    store.sync_dirs()
    assert not store._dirty
