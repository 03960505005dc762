"""Kill -9 at every crash point of a first and of an incremental sync, through EWS and through
Microsoft Graph; a rerun must be exact.

The crash run is the sync's own process (tests/sync/kill_sources.py; for EWS, the whole
`exsync sync` in two more cases) that SIGKILLs itself at the N-th pass of a named point
(``EXSYNC_CRASH_AT``, see :mod:`exsync_tui.core.sync.crashpoints`): no cleanup, no
flush. After a normal rerun, the Maildir must hold exactly the server's messages
(nothing lost, nothing duplicated, flags right), the calendars every event once, and
no temporary file may be left. The sandbox data is seeded, so how often each point
is passed is known; a case whose process was not killed fails (the list below
must then be updated), so every case listed is a real crash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from exsync_tui.core.sync import crashpoints
from exsync_tui.sandbox import Sandbox
from tests.graph.test_graph_calendar import assert_calendars_match
from tests.sync.cli_helpers import assert_exact, crash_at, save_sandbox_profile
from tests.sync.helpers import folder_named, run_sync
from tests.sync.kill_sources import GRAPH, SOURCES, KillSource

_PAGE_POINTS = tuple(p for p in crashpoints.POINTS if p.startswith("page-"))
_ONCE = ("hierarchy-before-commit", "hierarchy-after-commit", "calendar-after-write",
         "run-before-cleanup")  # fmt: skip
FIRST_SYNC = [(p, 1) for p in _ONCE] + [(p, n) for p in _PAGE_POINTS for n in (1, 9, 17)]
INCREMENTAL = [
    (p, 1) for p in (*_ONCE, "folder-moves-before-apply", "folder-moves-after-apply")
] + [(p, n) for p in _PAGE_POINTS for n in (1, 5, 9, 13, 17)]


def test_there_are_at_least_fifty_distinct_crash_points() -> None:
    cases = {("first", *case) for case in FIRST_SYNC} | {("incr", *c) for c in INCREMENTAL}
    assert len(cases) >= 50
    assert {point for _, point, _ in cases} <= set(crashpoints.POINTS)


def _change_the_mailbox(sb: Sandbox) -> None:
    """New, read, unread, flagged, deleted and moved messages, and a renamed folder."""
    email = sb.info.users[0].email
    truth = sb.control.truth(email)
    inbox_id = next(f["id"] for f in truth["folders"] if f["distinguished"] == "inbox")
    archive = folder_named(sb, "Archive")
    inbox = sorted(i["id"] for i in truth["items"] if i["folder_id"] == inbox_id)
    sb.control.add_message(email, "inbox", subject="arrived before the crash")
    sb.control.mark_read(email, inbox[0], False)
    sb.control.set_flag(email, inbox[1], 2)
    sb.control.delete_message(email, inbox[2])
    sb.control.move_message(email, inbox[3], archive)
    sb.control.rename_folder(email, archive, "Archive 2026")


@pytest.mark.parametrize(("point", "hit"), FIRST_SYNC)
@pytest.mark.parametrize("source", SOURCES)
def test_killed_during_a_first_sync(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, source: KillSource, point: str, hit: int
) -> None:
    sb = fresh_sandbox(messages=10, events=3)
    profile = source.save(sb, tmp_path)
    source.crash(sb, profile, point, hit)
    result, _ = source.sync(sb, profile)
    assert result.ok, result
    assert_exact(sb, profile)


@pytest.mark.parametrize(("point", "hit"), INCREMENTAL)
@pytest.mark.parametrize("source", SOURCES)
def test_killed_during_an_incremental_sync(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, source: KillSource, point: str, hit: int
) -> None:
    sb = fresh_sandbox(messages=10, events=3)
    profile = source.save(sb, tmp_path)
    assert source.sync(sb, profile)[0].ok
    _change_the_mailbox(sb)
    source.crash(sb, profile, point, hit)
    result, _ = source.sync(sb, profile)
    assert result.ok, result
    assert_exact(sb, profile)


@pytest.mark.parametrize("incremental", [False, True], ids=["first", "incremental"])
def test_the_sync_command_dies_with_its_killed_child(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, incremental: bool
) -> None:
    """The whole `exsync sync` (a new interpreter and its sync child) dies by SIGKILL when its
    child does, and the rerun is exact; the cases above kill the child alone."""
    sb = fresh_sandbox(messages=10, events=3)
    profile = save_sandbox_profile(sb, tmp_path)
    if incremental:
        assert run_sync(sb, profile)[0].ok
        _change_the_mailbox(sb)
    crash_at(profile, "page-after-deliver", 5 if incremental else 9, command=True)
    result, _ = run_sync(sb, profile)
    assert result.ok, result
    assert_exact(sb, profile)


def test_killed_while_writing_calendar_changes_from_the_graph_view_delta(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """Graph only (EWS has no calendar view delta): changed, deleted and added events in one
    calendarView delta page. The state that names the new link must not be saved before
    the files are, and a rerun of the same page from the old link must end exact."""
    sb = fresh_sandbox(messages=2, events=6)
    email = sb.info.users[0].email
    profile = GRAPH.save(sb, tmp_path)
    assert GRAPH.sync(sb, profile)[0].ok
    events = sorted(
        (i for i in sb.control.truth(email)["items"] if i["kind"] == "event"),
        key=lambda i: str(i["id"]),
    )
    sb.control.update_event(email, events[0]["id"], subject="Renamed before the crash")
    sb.control.delete_event(email, events[1]["id"])
    sb.control.add_event(email, "Added before the crash", "2026-12-02T09:00:00",
                         "2026-12-02T10:00:00", timezone="Europe/Berlin")  # fmt: skip
    GRAPH.crash(sb, profile, "calendar-after-write", 1)
    result, _ = GRAPH.sync(sb, profile)
    assert result.ok, result
    assert_exact(sb, profile)
    assert_calendars_match(sb, profile, dt.datetime.now(dt.UTC))  # the default window
