"""The state database's schema and its upgrades, by ``schema_version``."""

from __future__ import annotations

import sqlite3

from exsync_tui.core.store.errors import StoreError

SCHEMA_VERSION = 2

_UPGRADES: dict[int, tuple[str, ...]] = {
    # 1 -> 2: the hash of each message file as written, so a Message-ID + size twin
    # that is another message is fetched, not handed this file (rows before: NULL).
    2: ("ALTER TABLE items ADD COLUMN sha256 TEXT",),
}

_SCHEMA_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE folders (
    remote_id TEXT PRIMARY KEY,
    parent_id TEXT,
    display_name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('mail', 'calendar')),
    local_path TEXT NOT NULL,
    sync_state TEXT,
    UNIQUE (kind, local_path)
);
CREATE TABLE items (
    folder_id TEXT NOT NULL REFERENCES folders (remote_id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    base TEXT NOT NULL,
    change_key TEXT,
    flags TEXT NOT NULL DEFAULT '',
    size INTEGER,
    message_id TEXT,
    uid TEXT,
    PRIMARY KEY (folder_id, item_id)
);
CREATE INDEX items_by_message_id ON items (message_id, size);
CREATE UNIQUE INDEX items_by_base ON items (folder_id, base);
CREATE TABLE pending (
    folder_id TEXT NOT NULL,
    base TEXT NOT NULL,
    PRIMARY KEY (folder_id, base)
);
CREATE TABLE folder_moves (
    kind TEXT NOT NULL,
    old_path TEXT NOT NULL,
    new_path TEXT NOT NULL,
    PRIMARY KEY (kind, old_path)
);
CREATE TABLE held_deletes (
    folder_id TEXT PRIMARY KEY,
    would_delete INTEGER NOT NULL,
    local_count INTEGER NOT NULL
);
"""

_ADDITIONS = """
CREATE TABLE IF NOT EXISTS fetch_retries (
    folder_id TEXT NOT NULL REFERENCES folders (remote_id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    change_key TEXT,
    flags TEXT NOT NULL DEFAULT '',
    size INTEGER,
    message_id TEXT,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (folder_id, item_id)
)
"""
"""Tables added since schema 1. Only ever new tables (``IF NOT EXISTS``): an older exsync
reading the database ignores them, so they need no new schema version."""


def migrate(connection: sqlite3.Connection) -> None:
    """Create or upgrade the schema; refuse a database written by a newer exsync."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        has_meta = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if not has_meta:
            # executescript() would commit first; statement by statement keeps one transaction.
            for statement in _SCHEMA_V1.split(";"):
                if statement.strip():
                    connection.execute(statement)
            version = 1
        else:
            row = connection.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the sync state was written by a newer exsync (schema {version}, "
                    f"this version knows {SCHEMA_VERSION}); upgrade exsync"
                )
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in _UPGRADES[step]:
                connection.execute(statement)
        connection.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )
        connection.execute(_ADDITIONS)
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
