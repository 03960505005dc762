"""Kill -9 at every crash point of a first and of an incremental Graph sync; a rerun must be
exact. The same cases and checks as the EWS kill test (tests/sync/test_sync_crash.py)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from exsync_tui.core.profiles import Config, Profile, save_config
from exsync_tui.core.sync import crashpoints
from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import graph_profile, run_graph_sync
from tests.graph.test_graph_calendar import assert_calendars_match
from tests.sync.cli_helpers import assert_exact
from tests.sync.test_sync_crash import FIRST_SYNC, INCREMENTAL, _change_the_mailbox


def _saved(sb: Sandbox) -> Profile:
    profile = graph_profile(sb)
    save_config(Config(profiles={profile.name: profile}))
    return profile


def _crash(sb: Sandbox, profile: Profile, point: str, hit: int) -> None:
    crashed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.graph.crash_child",
            profile.name,
            sb.info.control_url,
            sb.info.graph_url,
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, crashpoints.ENV: f"{point}:{hit}"},
        check=False,
    )
    assert crashed.returncode == -signal.SIGKILL, (
        f"{point}:{hit} was not reached (exit {crashed.returncode}): {crashed.stderr[-2000:]}"
    )


@pytest.mark.parametrize(("point", "hit"), FIRST_SYNC)
def test_killed_during_a_first_graph_sync(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, point: str, hit: int
) -> None:
    sb = fresh_sandbox(messages=10, events=3)
    profile = _saved(sb)
    _crash(sb, profile, point, hit)
    result, _ = run_graph_sync(sb, profile)
    assert result.ok, result
    assert_exact(sb, profile)


@pytest.mark.parametrize(("point", "hit"), INCREMENTAL)
def test_killed_during_an_incremental_graph_sync(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, point: str, hit: int
) -> None:
    sb = fresh_sandbox(messages=10, events=3)
    profile = _saved(sb)
    assert run_graph_sync(sb, profile)[0].ok
    _change_the_mailbox(sb)
    _crash(sb, profile, point, hit)
    result, _ = run_graph_sync(sb, profile)
    assert result.ok, result
    assert_exact(sb, profile)


def test_killed_while_writing_calendar_changes_from_the_view_delta(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    # Changed, deleted and added events in one calendarView delta page: the state that
    # names the new link must not be saved before the files are, and a rerun of the same
    # page from the old link must end exact.
    sb = fresh_sandbox(messages=2, events=6)
    email = sb.info.users[0].email
    profile = _saved(sb)
    assert run_graph_sync(sb, profile)[0].ok
    events = sorted(
        (i for i in sb.control.truth(email)["items"] if i["kind"] == "event"),
        key=lambda i: str(i["id"]),
    )
    sb.control.update_event(email, events[0]["id"], subject="Renamed before the crash")
    sb.control.delete_event(email, events[1]["id"])
    sb.control.add_event(email, "Added before the crash", "2026-12-02T09:00:00",
                         "2026-12-02T10:00:00", timezone="Europe/Berlin")  # fmt: skip
    _crash(sb, profile, "calendar-after-write", 1)
    result, _ = run_graph_sync(sb, profile)
    assert result.ok, result
    assert_exact(sb, profile)
    assert_calendars_match(sb, profile, dt.datetime.now(dt.UTC))  # the default window
