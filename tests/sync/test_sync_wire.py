"""The JSON lines a sync child sends: every event and the result come back equal."""

from __future__ import annotations

import pytest

from exsync_tui.core.sync.engine import SyncResult
from exsync_tui.core.sync.events import (
    FolderChanged,
    FolderCounts,
    FolderDone,
    FolderStarted,
    MailboxDone,
    MailboxStarted,
    MassDeleteHeld,
    Progress,
    Pushed,
    QueueFlushed,
    SyncEvent,
    SyncWarning,
)
from exsync_tui.core.sync.wire import WireError, event_line, event_types, parse_line, result_line

COUNTS = FolderCounts(new=3, changed=1, deleted=2, moved=1, bytes=4096)
EVENTS: list[SyncEvent] = [
    MailboxStarted("work"),
    FolderChanged("work", "renamed", "Inbox/Ré 2026", old_path="Inbox/Old", kind="mail"),
    FolderStarted("work", "Inbox", "mail", total=None),
    Progress("work", "Inbox", 5, 10, 2048),
    FolderDone("work", "Calendar", "calendar", COUNTS, stopped="cancelled"),
    SyncWarning("work", "message not stored: too big", folder="Inbox"),
    MassDeleteHeld("work", "Inbox", 9, 10, "90% of the folder", direction="push"),
    Pushed("work", "Inbox", flags=4, moved=1, deleted=2, kept=1, dry_run=True),
    QueueFlushed("work", 2, 1, 0),
    MailboxDone("work", False, COUNTS, 1.25, "server-busy", "busy\nline two", 1),
]


def test_every_event_kind_is_covered() -> None:
    assert {type(e) for e in EVENTS} == set(event_types().values())


@pytest.mark.parametrize("event", EVENTS, ids=[e.name for e in EVENTS])
def test_an_event_comes_back_equal(event: SyncEvent) -> None:
    line = event_line(event)
    assert line.endswith("\n") and "\n" not in line[:-1]
    assert parse_line(line) == event


def test_a_result_comes_back_equal() -> None:
    result = SyncResult("work", False, COUNTS, "sync-locked", "held", True, 2, 3.5)
    assert parse_line(result_line(result)) == result


@pytest.mark.parametrize(
    "line", ["", "not json", '{"event": "no-such-event", "profile": "w"}', '{"event": "progress"}']
)
def test_anything_else_is_refused(line: str) -> None:
    with pytest.raises(WireError):
        parse_line(line)
