"""Graph's ``calendars/{id}/calendarView/delta``: a window's instances, then what changed.

The first request of a round names the window (``startDateTime``, ``endDateTime``) and
gets every instance in it: single events whole, occurrences and exceptions of a series
with ``seriesMasterId``. Later rounds (the deltaLink) give only the instances that are
new or changed since, and ``@removed`` for those that left the window or were deleted or
cancelled (Graph does not say which). Each round's view is kept on the mailbox under the
token its links carry, so a delta is the difference from it; invalidating sync states
expires every token (410 ``SyncStateNotFound``), as Graph does when its cache drops one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from exsync_tui.sandbox.calendar import occurrences
from exsync_tui.sandbox.graph.events import instance_id, instance_json, when
from exsync_tui.sandbox.graph.wire import GraphError, GraphRequest, ok
from exsync_tui.sandbox.httpserver import Response
from exsync_tui.sandbox.model import CalendarEvent, Folder, Mailbox

_KEPT_ROUNDS = 200  # older rounds' tokens expire (410), like Graph's token cache


def _expired() -> GraphError:
    return GraphError(
        410,
        "SyncStateNotFound",
        "The sync state generation is not found or has expired; start a new round.",
    )


def _view(mailbox: Mailbox, folder: Folder, window: tuple[str, str]) -> dict[str, Any]:
    """Instance id -> (fingerprint, occurrence) for every instance in the window."""
    start, end = (dt.datetime.fromisoformat(bound) for bound in window)
    found: dict[str, Any] = {}
    for item in mailbox.items.values():
        if not isinstance(item, CalendarEvent) or item.folder_id != folder.id:
            continue
        for one in occurrences(item, start, end):
            fingerprint = "|".join(
                (item.change_key, one.start.isoformat(), one.end.isoformat(), one.subject,
                 one.location)
            )  # fmt: skip
            found[instance_id(one)] = (fingerprint, one)
    return found


def _held(mailbox: Mailbox, folder: Folder, token: str) -> dict[str, Any]:
    held = mailbox.graph_views.get(token)
    if held is None or held["epoch"] != mailbox.sync_epoch or held["folder"] != folder.id:
        raise _expired()
    return held


def calendar_view_delta(
    mailbox: Mailbox, folder: Folder, request: GraphRequest, path: str
) -> Response:
    """One page of a calendar's ``calendarView/delta`` (see the module docstring)."""
    skip = request.query.get("$skiptoken")
    if skip:
        round_id, _, at = skip.rpartition(".")
        held = _held(mailbox, folder, round_id)
        offset = int(at) if at.isdigit() else 0
    else:
        delta = request.query.get("$deltatoken")
        if delta:
            base = _held(mailbox, folder, delta)
            window, before = base["window"], base["view"]
        else:
            start, end = when(request, "startDateTime"), when(request, "endDateTime")
            window, before = (start.isoformat(), end.isoformat()), {}
        now = _view(mailbox, folder, window)
        entries = [
            instance_json(one, request)
            for key, (fingerprint, one) in now.items()
            if before.get(key) != fingerprint
        ]
        entries += [
            {"@odata.type": "#microsoft.graph.event", "id": key, "@removed": {"reason": "deleted"}}
            for key in before
            if key not in now
        ]
        round_id, offset = uuid.uuid4().hex, 0
        held = {
            "epoch": mailbox.sync_epoch,
            "folder": folder.id,
            "window": window,
            "view": {key: fingerprint for key, (fingerprint, _) in now.items()},
            "entries": entries,
        }
        mailbox.graph_views[round_id] = held
        while len(mailbox.graph_views) > _KEPT_ROUNDS:
            del mailbox.graph_views[next(iter(mailbox.graph_views))]
    entries = held["entries"]
    page = entries[offset : offset + request.page_size]
    payload: dict[str, Any] = {"value": page}
    if offset + request.page_size < len(entries):
        token = f"{round_id}.{offset + request.page_size}"
        payload["@odata.nextLink"] = request.link(path, **{"$skiptoken": token})
    else:
        payload["@odata.deltaLink"] = request.link(path, **{"$deltatoken": round_id})
    return ok(payload, request.preference_headers())
