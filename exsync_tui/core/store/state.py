"""The per-profile sync state: SQLite (stdlib), WAL, one transaction per page.

What it holds: the mailbox's hierarchy sync state; each folder's remote id, parent,
name, kind, local path and item sync state; each item's remote id, change key, local
file, flags, size, Message-ID and the file's SHA-256 (or, for calendars, UID and file
name); the files being written by an unfinished page (``pending``); folder moves being
applied on disk (``folder_moves``); and mass deletes held back for the user
(``held_deletes``).

Crash safety: WAL with ``synchronous=FULL``, so a commit is on disk when
:meth:`StateDB.transaction` returns. NORMAL would be faster but may lose the last
commits on power loss; the files those commits describe are already durable, and a
lost commit would make the next run deliver them again (duplicates). One fsync per
page is cheap. Every write must happen inside :meth:`StateDB.transaction`.

The database file is ``<state dir>/sync.sqlite3``; the state directory is 0700 (the
WAL and shared-memory files SQLite creates beside it are protected by that).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from exsync_tui.core.files import FILE_MODE, ensure_private_directory
from exsync_tui.core.store.errors import StoreError
from exsync_tui.core.store.state_schema import SCHEMA_VERSION, migrate

DB_NAME = "sync.sqlite3"
FolderKind = Literal["mail", "calendar"]


class StateError(StoreError):
    """The state database cannot be used (newer schema, misuse of transactions)."""


@dataclass(frozen=True)
class FolderRecord:
    """One server folder as the state knows it."""

    remote_id: str
    parent_id: str | None
    display_name: str
    kind: FolderKind
    local_path: str
    sync_state: str | None = None


@dataclass(frozen=True)
class ItemRecord:
    """One item: where it is on the server and on disk.

    ``base`` is the Maildir base name (mail) or the ``.ics`` file name (calendar);
    ``size`` is the size the server reports (with ``message_id`` it recognises a message
    that moved between folders), not the file's size.
    """

    folder_id: str
    item_id: str
    base: str
    change_key: str | None = None
    flags: str = ""
    size: int | None = None
    message_id: str | None = None
    uid: str | None = None
    sha256: str | None = None
    """The hex SHA-256 of the message file as written (None: unknown, an older row)."""


@dataclass(frozen=True)
class HeldDelete:
    """A mass delete the guard refused, kept until the user allows it or it goes away."""

    folder_id: str
    would_delete: int
    local_count: int


class StateDB:
    """The sync state of one profile. Use from one thread; open with :meth:`open`."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        self._in_transaction = False

    @classmethod
    def open(cls, state_dir: Path) -> StateDB:
        """Open (creating or upgrading) the state database in ``state_dir``."""
        ensure_private_directory(state_dir)
        path = state_dir / DB_NAME
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
        connection = sqlite3.connect(path, isolation_level=None, timeout=10.0)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            migrate(connection)
        except BaseException:
            connection.close()
            raise
        return cls(connection, path)

    def close(self) -> None:
        """Close the database (a transaction still open is rolled back)."""
        self._db.close()

    def __enter__(self) -> StateDB:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic, durable unit of work (a page): all of it is committed, or none."""
        if self._in_transaction:
            raise StateError("a state transaction is already open (transactions do not nest)")
        self._db.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:  # also when COMMIT itself failed (disk full)
                self._db.execute("ROLLBACK")
            raise
        finally:
            self._in_transaction = False

    def _write(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        if not self._in_transaction:
            raise StateError("state changes must be made inside StateDB.transaction()")
        return self._db.execute(sql, params)

    # -- mailbox level -------------------------------------------------------------------

    def hierarchy_state(self, scope: str = "mailbox") -> str | None:
        """The last hierarchy sync state saved for ``scope``."""
        row = self._db.execute(
            "SELECT value FROM meta WHERE key = ?", (f"hierarchy:{scope}",)
        ).fetchone()
        return None if row is None else str(row[0])

    def set_hierarchy_state(self, state: str | None, scope: str = "mailbox") -> None:
        """Save (or, with None, forget) the hierarchy sync state for ``scope``."""
        if state is None:
            self._write("DELETE FROM meta WHERE key = ?", (f"hierarchy:{scope}",))
        else:
            self._write(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (f"hierarchy:{scope}", state),
            )

    # -- folders -------------------------------------------------------------------------

    def put_folder(self, folder: FolderRecord) -> None:
        """Insert or update a folder (its items stay)."""
        self._write(
            "INSERT INTO folders "
            "(remote_id, parent_id, display_name, kind, local_path, sync_state) "
            "VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(remote_id) DO UPDATE SET parent_id = excluded.parent_id, "
            "display_name = excluded.display_name, kind = excluded.kind, "
            "local_path = excluded.local_path, sync_state = excluded.sync_state",
            (
                folder.remote_id,
                folder.parent_id,
                folder.display_name,
                folder.kind,
                folder.local_path,
                folder.sync_state,
            ),
        )

    def set_folder_paths(self, paths: Mapping[str, str]) -> None:
        """Give folders new local paths at once: ``{remote id: path}`` (swaps allowed).

        Each path is unique per kind, so a swap goes through placeholders that no real
        path can equal (they contain NUL) within the same transaction.
        """
        for remote_id in paths:
            self._write(
                "UPDATE folders SET local_path = ? WHERE remote_id = ?",
                (f"\0moving\0{remote_id}", remote_id),
            )
        for remote_id, path in paths.items():
            cursor = self._write(
                "UPDATE folders SET local_path = ? WHERE remote_id = ?", (path, remote_id)
            )
            if cursor.rowcount != 1:
                raise StateError(f"no folder with remote id {remote_id!r} in the state")

    def set_folder_sync_state(self, remote_id: str, sync_state: str | None) -> None:
        """Save a folder's item sync state (None starts the folder over with a full sync)."""
        cursor = self._write(
            "UPDATE folders SET sync_state = ? WHERE remote_id = ?", (sync_state, remote_id)
        )
        if cursor.rowcount != 1:
            raise StateError(f"no folder with remote id {remote_id!r} in the state")

    def folder(self, remote_id: str) -> FolderRecord | None:
        """The folder with ``remote_id``, if known."""
        row = self._db.execute(
            "SELECT remote_id, parent_id, display_name, kind, local_path, sync_state "
            "FROM folders WHERE remote_id = ?",
            (remote_id,),
        ).fetchone()
        return None if row is None else FolderRecord(*row)

    def folders(self, kind: FolderKind | None = None) -> list[FolderRecord]:
        """Every known folder (of ``kind``), ordered by local path."""
        rows = self._db.execute(
            "SELECT remote_id, parent_id, display_name, kind, local_path, sync_state FROM folders "
            "WHERE ? IS NULL OR kind = ? ORDER BY local_path",
            (kind, kind),
        ).fetchall()
        return [FolderRecord(*row) for row in rows]

    def delete_folder(self, remote_id: str) -> None:
        """Forget a folder and its items."""
        self._write("DELETE FROM folders WHERE remote_id = ?", (remote_id,))

    # -- items ---------------------------------------------------------------------------

    def put_item(self, item: ItemRecord) -> None:
        """Insert or update an item (keyed by folder and item id).

        A base name already used by another item of the folder is an IntegrityError, not
        a silent replacement: two items must never share one file.
        """
        self._write(
            "INSERT INTO items "
            "(folder_id, item_id, base, change_key, flags, size, message_id, uid, sha256) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(folder_id, item_id) DO UPDATE SET base = excluded.base, "
            "change_key = excluded.change_key, flags = excluded.flags, size = excluded.size, "
            "message_id = excluded.message_id, uid = excluded.uid, sha256 = excluded.sha256",
            (
                item.folder_id,
                item.item_id,
                item.base,
                item.change_key,
                item.flags,
                item.size,
                item.message_id,
                item.uid,
                item.sha256,
            ),
        )

    def item(self, folder_id: str, item_id: str) -> ItemRecord | None:
        """The item ``item_id`` in ``folder_id``, if known."""
        row = self._db.execute(
            "SELECT folder_id, item_id, base, change_key, flags, size, message_id, uid, sha256 "
            "FROM items WHERE folder_id = ? AND item_id = ?",
            (folder_id, item_id),
        ).fetchone()
        return None if row is None else ItemRecord(*row)

    def items(self, folder_id: str) -> list[ItemRecord]:
        """Every item of a folder, ordered by item id."""
        rows = self._db.execute(
            "SELECT folder_id, item_id, base, change_key, flags, size, message_id, uid, sha256 "
            "FROM items WHERE folder_id = ? ORDER BY item_id",
            (folder_id,),
        ).fetchall()
        return [ItemRecord(*row) for row in rows]

    def item_count(self, folder_id: str) -> int:
        """How many items of ``folder_id`` are stored locally (for the mass-delete guard)."""
        row = self._db.execute("SELECT COUNT(*) FROM items WHERE folder_id = ?", (folder_id,))
        return int(row.fetchone()[0])

    def item_by_base(self, folder_id: str, base: str) -> ItemRecord | None:
        """The item whose local file (base name) is ``base`` in ``folder_id``."""
        row = self._db.execute(
            "SELECT folder_id, item_id, base, change_key, flags, size, message_id, uid, sha256 "
            "FROM items WHERE folder_id = ? AND base = ?",
            (folder_id, base),
        ).fetchone()
        return None if row is None else ItemRecord(*row)

    def find_by_message_id(self, message_id: str, size: int) -> list[ItemRecord]:
        """Items with this Message-ID and size, in any folder: a move's other half."""
        rows = self._db.execute(
            "SELECT folder_id, item_id, base, change_key, flags, size, message_id, uid, sha256 "
            "FROM items WHERE message_id = ? AND size = ? "
            "ORDER BY folder_id, item_id",
            (message_id, size),
        ).fetchall()
        return [ItemRecord(*row) for row in rows]

    def delete_item(self, folder_id: str, item_id: str) -> None:
        """Forget one item."""
        self._write("DELETE FROM items WHERE folder_id = ? AND item_id = ?", (folder_id, item_id))

    # -- items the server could not give (fetched again in later runs) ---------------------

    def note_fetch_failed(self, item: ItemRecord) -> int:
        """Count a failed fetch of ``item`` (its ``base`` unused); returns the attempts so far."""
        self._write(
            "INSERT INTO fetch_retries "
            "(folder_id, item_id, change_key, flags, size, message_id, attempts) "
            "VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT(folder_id, item_id) DO UPDATE SET "
            "change_key = excluded.change_key, flags = excluded.flags, size = excluded.size, "
            "message_id = excluded.message_id, attempts = attempts + 1",
            (item.folder_id, item.item_id, item.change_key, item.flags, item.size, item.message_id),
        )
        row = self._db.execute(
            "SELECT attempts FROM fetch_retries WHERE folder_id = ? AND item_id = ?",
            (item.folder_id, item.item_id),
        ).fetchone()
        return int(row[0])

    def fetch_retries(self, folder_id: str) -> list[tuple[ItemRecord, int]]:
        """Items of a folder whose fetch failed (``base`` empty), with their attempts so far."""
        rows = self._db.execute(
            "SELECT folder_id, item_id, '', change_key, flags, size, message_id, NULL, attempts "
            "FROM fetch_retries WHERE folder_id = ? ORDER BY item_id",
            (folder_id,),
        ).fetchall()
        return [(ItemRecord(*row[:8]), int(row[8])) for row in rows]

    def clear_fetch_retry(self, folder_id: str, item_id: str) -> None:
        """The item came (or is gone): stop fetching it again."""
        self._write(
            "DELETE FROM fetch_retries WHERE folder_id = ? AND item_id = ?", (folder_id, item_id)
        )

    # -- files of an unfinished page -------------------------------------------------------

    def add_pending(self, folder_id: str, base: str) -> None:
        """Note a file about to be written; commit this *before* writing it."""
        self._write(
            "INSERT OR IGNORE INTO pending (folder_id, base) VALUES (?, ?)", (folder_id, base)
        )

    def clear_pending(self, folder_id: str, base: str) -> None:
        """The file is recorded as an item (or was removed): no longer pending."""
        self._write("DELETE FROM pending WHERE folder_id = ? AND base = ?", (folder_id, base))

    def pending(self) -> list[tuple[str, str]]:
        """(folder id, base) of files written by a page whose commit never happened."""
        rows = self._db.execute("SELECT folder_id, base FROM pending ORDER BY folder_id, base")
        return [(str(f), str(b)) for f, b in rows.fetchall()]

    # -- folder moves in progress ---------------------------------------------------------

    def set_folder_moves(self, kind: FolderKind, moves: Mapping[str, str]) -> None:
        """Record folder moves about to be applied on disk (with the folders' new paths)."""
        for old, new in moves.items():
            self._write(
                "INSERT OR REPLACE INTO folder_moves (kind, old_path, new_path) VALUES (?, ?, ?)",
                (kind, old, new),
            )

    def folder_moves(self, kind: FolderKind) -> dict[str, str]:
        """Folder moves recorded but not yet confirmed done on disk."""
        rows = self._db.execute(
            "SELECT old_path, new_path FROM folder_moves WHERE kind = ?", (kind,)
        ).fetchall()
        return {str(old): str(new) for old, new in rows}

    def clear_folder_moves(self, kind: FolderKind) -> None:
        """The recorded moves are done on disk."""
        self._write("DELETE FROM folder_moves WHERE kind = ?", (kind,))

    # -- mass deletes held for the user ----------------------------------------------------

    def hold_delete(self, held: HeldDelete) -> None:
        """Remember that a mass delete in a folder was refused."""
        self._write(
            "INSERT OR REPLACE INTO held_deletes (folder_id, would_delete, local_count) "
            "VALUES (?, ?, ?)",
            (held.folder_id, held.would_delete, held.local_count),
        )

    def held_deletes(self) -> list[HeldDelete]:
        """Every refused mass delete still waiting for the user."""
        rows = self._db.execute(
            "SELECT folder_id, would_delete, local_count FROM held_deletes ORDER BY folder_id"
        ).fetchall()
        return [HeldDelete(*row) for row in rows]

    def clear_held_delete(self, folder_id: str) -> None:
        """The held delete was allowed or is no longer needed."""
        self._write("DELETE FROM held_deletes WHERE folder_id = ?", (folder_id,))


__all__ = [
    "SCHEMA_VERSION",
    "FolderKind",
    "FolderRecord",
    "HeldDelete",
    "ItemRecord",
    "StateDB",
    "StateError",
]
