"""Kill -9 at every crash point of a first and of an incremental Graph sync; a rerun must be
exact. The same cases and checks as the EWS kill test (tests/sync/test_sync_crash.py)."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from exsync_tui.core.profiles import Config, Profile, save_config
from exsync_tui.core.sync import crashpoints
from exsync_tui.sandbox import Sandbox
from tests.forked import run_forked
from tests.graph import crash_child
from tests.graph.helpers import graph_profile, run_graph_sync
from tests.sync.cli_helpers import assert_exact
from tests.sync.test_sync_crash import FIRST_SYNC, INCREMENTAL, _change_the_mailbox


def _saved(sb: Sandbox) -> Profile:
    profile = graph_profile(sb)
    save_config(Config(profiles={profile.name: profile}))
    return profile


def _crash(sb: Sandbox, profile: Profile, point: str, hit: int) -> None:
    crashed = run_forked(
        crash_child.main,
        profile.name,
        sb.info.control_url,
        sb.info.graph_url,
        env={crashpoints.ENV: f"{point}:{hit}"},
    )
    assert crashed.returncode == -signal.SIGKILL, (
        f"{point}:{hit} was not reached (exit {crashed.returncode}): {crashed.stderr[-2000:]!r}"
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
