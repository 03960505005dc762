"""Graph JSON to the protocol-neutral pages: folders, message changes, snapshot diffs.

Graph has no hierarchy delta that covers calendars and every level, so the
folders are listed whole and compared with a snapshot the sync state carries
(id -> version): the engine still gets only what changed. (Calendars kept such
a snapshot of every event before they followed ``calendarView/delta``; its
versions are read once when such a state is met, see :mod:`.graph_calview`.)
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Mapping
from typing import Any

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.sources.base import (
    ChangeType,
    FolderKind,
    ItemChange,
    ItemKind,
    RemoteFolder,
    SyncStateInvalid,
)

SIZE_PROPERTY = "Integer 0x0E08"  # PidTagMessageSize: the engine matches moves by it
VERB_PROPERTY = "Integer 0x1081"  # PidTagLastVerbExecuted: answered / forwarded
MESSAGE_SELECT = "id,changeKey,isRead,flag,internetMessageId"
MESSAGE_EXPAND = (
    f"singleValueExtendedProperties($filter=id eq '{SIZE_PROPERTY}' or id eq '{VERB_PROPERTY}')"
)
_VERBS_ANSWERED = (102, 103)
_VERB_FORWARDED = 104
_SNAPSHOT_PREFIX = "graph-snapshot-1:"

Snapshot = dict[str, str]


def folder_of(entry: Mapping[str, Any], kind: FolderKind) -> RemoteFolder:
    """A ``mailFolder`` or ``calendar`` resource as a RemoteFolder."""
    try:
        name = entry.get("displayName") if kind is FolderKind.MAIL else entry.get("name")
        return RemoteFolder(
            folder_id=str(entry["id"]),
            parent_id=entry.get("parentFolderId"),
            name=str(name or ""),
            kind=kind,
            total_count=entry.get("totalItemCount"),
            change_key=entry.get("changeKey"),
        )
    except (KeyError, TypeError) as error:
        raise TopicError("unexpected-error", f"Graph described a folder oddly: {error}") from error


def folder_version(folder: RemoteFolder) -> str:
    """What makes a folder "updated" in the snapshot: its place, name and kind."""
    return json.dumps([folder.parent_id, folder.name, folder.kind.value])


def property_key(prop_id: str) -> str:
    """A MAPI property id as ``type 0xNNNN``: Graph answers ``Integer 0xe08`` for
    ``Integer 0x0E08``."""
    kind, _, tag = prop_id.strip().partition(" ")
    try:
        return f"{kind.lower()} 0x{int(tag, 16):04x}"
    except ValueError:
        return prop_id.strip().lower()


def _extended(entry: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for prop in entry.get("singleValueExtendedProperties") or ():
        if isinstance(prop, dict) and "id" in prop:
            found[property_key(str(prop["id"]))] = str(prop.get("value"))
    return found


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def message_change(entry: Mapping[str, Any], *, first_round: bool) -> ItemChange:
    """One entry of a message delta page: ``@removed`` -> DELETE, else CREATE or UPDATE."""
    item_id = entry.get("id")
    if not isinstance(item_id, str) or not item_id:
        raise TopicError("unexpected-error", "Graph listed a message without an id")
    if "@removed" in entry:
        return ItemChange(ChangeType.DELETE, item_id)
    extended = _extended(entry)
    verb = _int(extended.get(property_key(VERB_PROPERTY)))
    flag = entry.get("flag") or {}
    return ItemChange(
        type=ChangeType.CREATE if first_round else ChangeType.UPDATE,
        item_id=item_id,
        change_key=entry.get("changeKey"),
        kind=ItemKind.MESSAGE,
        is_read=entry.get("isRead"),
        flagged=flag.get("flagStatus") == "flagged" if isinstance(flag, dict) else None,
        answered=verb in _VERBS_ANSWERED if verb is not None else None,
        forwarded=verb == _VERB_FORWARDED if verb is not None else None,
        size=_int(extended.get(property_key(SIZE_PROPERTY))),
        message_id=entry.get("internetMessageId"),
    )


def encode_snapshot(snapshot: Snapshot) -> str:
    """A sync state holding ``snapshot`` (compressed: calendars can be large)."""
    raw = zlib.compress(json.dumps(snapshot, sort_keys=True).encode())
    return _SNAPSHOT_PREFIX + base64.urlsafe_b64encode(raw).decode()


def is_snapshot(state: str) -> bool:
    """True for a sync state made by :func:`encode_snapshot`."""
    return state.startswith(_SNAPSHOT_PREFIX)


def decode_snapshot(state: str | None, scope: str | None) -> Snapshot:
    """The snapshot in a sync state (empty for None); a state of another kind is refused."""
    if state is None:
        return {}
    try:
        if not state.startswith(_SNAPSHOT_PREFIX):
            raise ValueError("not a snapshot")
        raw = zlib.decompress(base64.urlsafe_b64decode(state[len(_SNAPSHOT_PREFIX) :]))
        loaded = json.loads(raw)
        if not isinstance(loaded, dict):
            raise ValueError("not a mapping")
        return {str(k): str(v) for k, v in loaded.items()}
    except (ValueError, zlib.error) as error:
        raise SyncStateInvalid(scope, f"not a sync state of this source ({error})") from error


def snapshot_diff(
    before: Snapshot, now: Snapshot, limit: int | None = None
) -> tuple[list[tuple[ChangeType, str]], Snapshot, bool]:
    """Changes from ``before`` to ``now`` (at most ``limit``), the snapshot after them, and
    whether that was all."""
    changes: list[tuple[ChangeType, str]] = []
    for key, version in now.items():
        if key not in before:
            changes.append((ChangeType.CREATE, key))
        elif before[key] != version:
            changes.append((ChangeType.UPDATE, key))
    changes.extend((ChangeType.DELETE, key) for key in before if key not in now)
    taken = changes if limit is None else changes[:limit]
    after = dict(before)
    for change_type, key in taken:
        if change_type is ChangeType.DELETE:
            del after[key]
        else:
            after[key] = now[key]
    return taken, after, len(taken) == len(changes)
