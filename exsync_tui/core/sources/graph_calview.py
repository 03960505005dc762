"""A calendar through ``calendarView/delta``: only what changed in the sync window.

Graph v1.0 has no delta for a calendar's series masters, but it has one for the
instances of a window (single events, occurrences, exceptions; ``seriesMasterId``
names a series). The engine keeps one file per series or single event (an *owner*),
so a page's instances are folded into owners: an owner with a new or changed
instance is fetched again (the master with all its instances, as before).

The sync state carries the round's link and what it takes to read the next page
without the server: the window (whole UTC days around the engine's), each owner in
view with its version, and which owner each occurrence belongs to (by a hash of its
id). A fresh round (the first, a window that moved to another day, a link Graph
refused or of another Graph URL) lists the whole window and compares versions with
what the last round saw, so unchanged events are not fetched again. An owner that
left the view (``@removed``, or not listed by a fresh round) is asked for by id:
gone (404) is a deletion; still there, it left the window, and is fetched again so
the engine applies its window rule, as for EWS (the file goes, the record stays).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.sources.base import (
    ChangeType,
    ItemChange,
    ItemKind,
    ItemPage,
    SyncStateInvalid,
)
from exsync_tui.core.sources.graph_http import GraphClient, GraphStatusError, refuses_token
from exsync_tui.core.sources.graph_parse import decode_snapshot, is_snapshot

STATE_PREFIX = "graph-calview-1:"
Window = tuple[dt.datetime, dt.datetime]
Probe = Callable[[str], bool]
"""Whether an event (an owner id) still exists."""


@dataclass
class CalendarViewState:
    """What a calendar's sync state holds (see the module docstring).

    ``own``: owner id -> version, for every owner in view; ``instances``: hash of an
    occurrence's id -> its owner; ``seen``: the owners a fresh round listed so far
    (None outside a fresh round); ``hint``: versions from an older kind of state,
    trusted once so an upgrade fetches nothing again.
    """

    window: tuple[str, str] = ("", "")
    link: str | None = None
    own: dict[str, str] = field(default_factory=dict)
    instances: dict[str, str] = field(default_factory=dict)
    seen: set[str] | None = None
    hint: dict[str, str] = field(default_factory=dict)

    def encode(self) -> str:
        """As a sync state (compressed: a year of a daily series is hundreds of entries)."""
        data = {
            "w": list(self.window),
            "l": self.link,
            "o": self.own,
            "i": self.instances,
            "s": sorted(self.seen) if self.seen is not None else None,
            "h": self.hint,
        }
        raw = zlib.compress(json.dumps(data, sort_keys=True).encode())
        return STATE_PREFIX + base64.urlsafe_b64encode(raw).decode()

    @classmethod
    def decode(cls, state: str | None, folder_id: str) -> CalendarViewState:
        """The state in ``state``: empty for None, versions only from a snapshot state."""
        if state is None:
            return cls()
        if is_snapshot(state):
            return cls(hint=decode_snapshot(state, folder_id))
        try:
            if not state.startswith(STATE_PREFIX):
                raise ValueError("not a calendar view state")
            data = json.loads(zlib.decompress(base64.urlsafe_b64decode(state[len(STATE_PREFIX) :])))
            seen = data["s"]
            return cls(
                window=(str(data["w"][0]), str(data["w"][1])),
                link=data["l"],
                own={str(k): str(v) for k, v in data["o"].items()},
                instances={str(k): str(v) for k, v in data["i"].items()},
                seen=None if seen is None else {str(s) for s in seen},
                hint={str(k): str(v) for k, v in data["h"].items()},
            )
        except (ValueError, KeyError, TypeError, IndexError, AttributeError, zlib.error) as error:
            raise SyncStateInvalid(
                folder_id, f"not a sync state of this source ({error})"
            ) from error

    def start_round(self, window: tuple[str, str]) -> None:
        """Begin listing the whole window; what ``own`` holds is the baseline to compare."""
        self.window, self.link, self.seen, self.instances = window, None, set(), {}

    def drop(self, owner: str) -> None:
        """Forget an owner and its occurrences: it is out of view."""
        self.own.pop(owner, None)
        self.instances = {k: v for k, v in self.instances.items() if v != owner}


def day_window(window: Window) -> tuple[str, str]:
    """The window widened to whole UTC days: the view (and its delta link) then changes
    once a day, not with every run; the engine still applies its exact window."""
    start = window[0].astimezone(dt.UTC)
    end = window[1].astimezone(dt.UTC)
    first = dt.datetime.combine(start.date(), dt.time(), tzinfo=dt.UTC)
    last = dt.datetime.combine(end.date(), dt.time(), tzinfo=dt.UTC)
    if last < end:
        last += dt.timedelta(days=1)
    return first.isoformat().replace("+00:00", "Z"), last.isoformat().replace("+00:00", "Z")


def instance_key(instance_id: str) -> str:
    """What the state keeps of an occurrence id (Graph's ids are long)."""
    return hashlib.sha256(instance_id.encode()).hexdigest()[:20]


def _fold(entries: list[Mapping[str, Any]], state: CalendarViewState) -> tuple[
    dict[str, str], dict[str, str | None], set[str]
]:  # fmt: skip
    """A page's instances as owners: (owner -> version, owner -> UID, owners with a removed
    instance). A series' version is its occurrences' change key (they share the master's),
    else its exceptions' smallest: the same whichever page each instance came on."""
    versions: dict[str, tuple[int, str]] = {}
    uids: dict[str, str | None] = {}
    removed: set[str] = set()
    for entry in entries:
        instance_id = str(entry.get("id") or "")
        if not instance_id:
            continue
        if "@removed" in entry:
            owner = instance_id if instance_id in state.own else None
            owner = owner or state.instances.pop(instance_key(instance_id), None)
            if owner is not None:
                removed.add(owner)
            continue
        master = entry.get("seriesMasterId")
        owner = str(master) if master else instance_id
        if master:
            state.instances[instance_key(instance_id)] = owner
        rank = 1 if entry.get("type") == "exception" else 0
        version = (rank, str(entry.get("changeKey") or ""))
        versions[owner] = min(versions.get(owner, version), version)
        uids.setdefault(owner, None if master else entry.get("iCalUId"))
    return {k: v[1] for k, v in versions.items()}, uids, removed - set(versions)


def calendar_page(
    client: GraphClient,
    folder_id: str,
    state: str | None,
    max_changes: int,
    window: Window,
    probe: Probe,
    prefer: str,
) -> ItemPage:
    """One page of a calendar's changes in ``window`` (see the module docstring)."""
    held = CalendarViewState.decode(state, folder_id)
    wanted = day_window(window)
    if held.window != wanted or held.link is None or not client.owns_link(held.link):
        held.start_round(wanted)
    headers = {"Prefer": f"odata.maxpagesize={max_changes}, {prefer}"}
    try:
        payload = _page(client, folder_id, held, headers)
    except GraphStatusError as error:
        if held.link is None or not refuses_token(error, token_sent=True):
            raise
        held.start_round(wanted)  # the link expired: list the window again, compare
        payload = _page(client, folder_id, held, headers)
    versions, uids, maybe_gone = _fold(list(payload.get("value") or ()), held)
    fresh = held.seen is not None
    changes: list[ItemChange] = []
    for owner, version in versions.items():
        before = held.own.get(owner, held.hint.get(owner))
        if held.seen is not None:
            held.seen.add(owner)
        held.own[owner] = version
        if fresh and before == version:
            continue  # listed again, unchanged
        kind = ChangeType.CREATE if before is None else ChangeType.UPDATE
        changes.append(ItemChange(kind, owner, version, ItemKind.CALENDAR, uid=uids.get(owner)))
    next_link, delta_link = payload.get("@odata.nextLink"), payload.get("@odata.deltaLink")
    if next_link and str(next_link) == held.link:
        # The page it was asked for, handed out again: the sync would never end.
        raise TopicError("response-rejected", "Graph handed out a page it already gave")
    if next_link:
        held.link = client.check_link(str(next_link))
    elif delta_link:
        held.link = client.check_link(str(delta_link))
        if held.seen is not None:  # the round is complete: what it did not list left the view
            maybe_gone |= set(held.own) - held.seen
            held.seen, held.hint = None, {}
    else:
        raise TopicError(
            "unexpected-error", "Graph's calendar page had neither next nor delta link"
        )
    still_in_view = set(held.instances.values())
    for owner in sorted(maybe_gone):
        if owner in still_in_view:
            # One occurrence went (cancelled or moved away): the series is fetched again.
            known = held.own.get(owner)
            changes.append(ItemChange(ChangeType.UPDATE, owner, known, ItemKind.CALENDAR))
            continue
        held.drop(owner)
        if probe(owner):  # out of the window, not deleted: the engine's window rule decides
            changes.append(ItemChange(ChangeType.UPDATE, owner, None, ItemKind.CALENDAR))
        else:
            changes.append(ItemChange(ChangeType.DELETE, owner))
    return ItemPage(folder_id, tuple(changes), held.encode(), includes_last=not next_link)


def _page(
    client: GraphClient, folder_id: str, held: CalendarViewState, headers: dict[str, str]
) -> dict[str, Any]:
    if held.link is not None:
        return client.json(held.link, headers=headers)
    path = f"me/calendars/{quote(folder_id, safe='')}/calendarView/delta"
    params = {"startDateTime": held.window[0], "endDateTime": held.window[1]}
    return client.json(client.url(path), params=params, headers=headers)
