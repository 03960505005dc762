"""The SQLite sync state: schema, transactions, lookups."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from exsync_tui.core.store.errors import StoreError
from exsync_tui.core.store.state import (
    DB_NAME,
    SCHEMA_VERSION,
    FolderRecord,
    HeldDelete,
    ItemRecord,
    StateDB,
    StateError,
)

INBOX = FolderRecord("F1", None, "Inbox", "mail", "Inbox")
CAL = FolderRecord("C1", None, "Calendar", "calendar", "Calendar")


@pytest.fixture
def state(tmp_path: Path) -> StateDB:
    db = StateDB.open(tmp_path / "state")
    with db.transaction():
        db.put_folder(INBOX)
        db.put_folder(CAL)
    return db


def test_opens_in_wal_with_full_sync_in_a_private_directory(tmp_path: Path) -> None:
    with StateDB.open(tmp_path / "state") as db:
        assert db.schema_version == SCHEMA_VERSION
        assert db._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "state" / DB_NAME).stat().st_mode) == 0o600


def test_writes_outside_a_transaction_are_refused(state: StateDB) -> None:
    with pytest.raises(StateError, match="inside StateDB.transaction"):
        state.put_folder(INBOX)


def test_transactions_do_not_nest(state: StateDB) -> None:
    with state.transaction(), pytest.raises(StateError, match="do not nest"), state.transaction():
        pass


def test_a_failed_page_leaves_nothing(state: StateDB) -> None:
    with pytest.raises(RuntimeError), state.transaction():
        state.put_item(ItemRecord("F1", "i1", "b1"))
        state.set_folder_sync_state("F1", "after-page-1")
        raise RuntimeError("network dropped mid-page")
    assert state.items("F1") == []
    assert state.folder("F1") == INBOX
    # and the connection is usable again
    with state.transaction():
        state.set_folder_sync_state("F1", "s1")
    assert state.folder("F1") == FolderRecord("F1", None, "Inbox", "mail", "Inbox", "s1")


def test_committed_state_survives_reopening(tmp_path: Path, state: StateDB) -> None:
    with state.transaction():
        state.set_hierarchy_state("H1")
        state.put_item(ItemRecord("F1", "i1", "b1", "ck", "S", 120, "<m@x>"))
        state.set_folder_sync_state("F1", "s1")
    state.close()
    with StateDB.open(tmp_path / "state") as again:
        assert again.hierarchy_state() == "H1"
        assert again.item("F1", "i1") == ItemRecord("F1", "i1", "b1", "ck", "S", 120, "<m@x>")
        assert again.folder("F1") is not None and again.folder("F1").sync_state == "s1"  # type: ignore[union-attr]


def test_lookups(state: StateDB) -> None:
    with state.transaction():
        state.put_item(ItemRecord("F1", "i1", "b1", size=10, message_id="<a@x>"))
        state.put_item(ItemRecord("F1", "i2", "b2", size=20, message_id="<a@x>"))
        state.put_item(ItemRecord("C1", "e1", "uid1.ics", uid="uid1"))
    assert [i.item_id for i in state.find_by_message_id("<a@x>", 20)] == ["i2"]
    assert state.find_by_message_id("<a@x>", 30) == []
    assert state.item_by_base("F1", "b1") == ItemRecord(
        "F1", "i1", "b1", size=10, message_id="<a@x>"
    )
    assert state.item_count("F1") == 2
    assert [f.remote_id for f in state.folders("calendar")] == ["C1"]
    assert [f.remote_id for f in state.folders()] == ["C1", "F1"]
    with state.transaction():
        state.delete_item("F1", "i1")
        state.put_item(ItemRecord("F1", "i2", "b2", "ck2", "FS", 20, "<a@x>"))
    assert state.item_count("F1") == 1
    assert state.items("F1") == [ItemRecord("F1", "i2", "b2", "ck2", "FS", 20, "<a@x>")]


def test_deleting_a_folder_forgets_its_items(state: StateDB) -> None:
    with state.transaction():
        state.put_item(ItemRecord("F1", "i1", "b1"))
        state.delete_folder("F1")
    assert state.items("F1") == []
    assert state.folder("F1") is None


def test_local_paths_and_bases_are_unique(state: StateDB) -> None:
    with pytest.raises(sqlite3.IntegrityError), state.transaction():
        state.put_folder(FolderRecord("F2", None, "inbox", "mail", "Inbox"))
    with pytest.raises(sqlite3.IntegrityError), state.transaction():
        state.put_item(ItemRecord("F1", "i1", "same"))
        state.put_item(ItemRecord("F1", "i2", "same"))
    assert state.items("F1") == []


def test_folders_can_swap_paths_in_one_transaction(state: StateDB) -> None:
    with state.transaction():
        state.put_folder(FolderRecord("F2", None, "Archive", "mail", "Archive"))
    with state.transaction():
        state.set_folder_paths({"F1": "Archive", "F2": "Inbox"})
    assert state.folder("F1").local_path == "Archive"  # type: ignore[union-attr]
    assert state.folder("F2").local_path == "Inbox"  # type: ignore[union-attr]
    with pytest.raises(StateError, match="no folder"), state.transaction():
        state.set_folder_paths({"F1": "X", "nope": "Y"})
    assert state.folder("F1").local_path == "Archive"  # type: ignore[union-attr]


def test_unknown_folder_sync_state_is_an_error(state: StateDB) -> None:
    with pytest.raises(StateError, match="no folder"), state.transaction():
        state.set_folder_sync_state("nope", "x")


def test_pending_and_held_deletes(state: StateDB) -> None:
    with state.transaction():
        state.add_pending("F1", "b9")
        state.add_pending("F1", "b9")
        state.hold_delete(HeldDelete("F1", 9, 10))
    assert state.pending() == [("F1", "b9")]
    assert state.held_deletes() == [HeldDelete("F1", 9, 10)]
    with state.transaction():
        state.clear_pending("F1", "b9")
        state.clear_held_delete("F1")
        state.set_hierarchy_state(None)
    assert state.pending() == [] and state.held_deletes() == []
    assert state.hierarchy_state() is None


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    StateDB.open(tmp_path / "s").close()
    raw = sqlite3.connect(tmp_path / "s" / DB_NAME)
    raw.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="newer exsync"):
        StateDB.open(tmp_path / "s")


def test_a_version_1_state_is_upgraded_keeping_its_items(tmp_path: Path) -> None:
    old = ItemRecord("F1", "i1", "b1", "ck", "S", 10, "<m@x>")
    with StateDB.open(tmp_path / "s") as db, db.transaction():
        db.put_folder(INBOX)
        db.put_item(old)
    raw = sqlite3.connect(tmp_path / "s" / DB_NAME)  # as exsync before content hashes
    raw.execute("ALTER TABLE items DROP COLUMN sha256")
    raw.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()

    with StateDB.open(tmp_path / "s") as db:
        assert db.schema_version == SCHEMA_VERSION == 2
        assert db.item("F1", "i1") == old  # its hash unknown: None
        hashed = ItemRecord("F1", "i2", "b2", size=10, message_id="<m@x>", sha256="ab" * 32)
        with db.transaction():
            db.put_item(hashed)
        assert db.find_by_message_id("<m@x>", 10) == [old, hashed]
