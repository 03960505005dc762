"""The two sources a kill test runs against, behind one interface, so that one kill test
module covers EWS and Microsoft Graph alike (the scenario and checks are the same).

- ``ews``: a profile whose password comes from a command; the crash run is the real sync
  child (tests/sync/crash_child.py), the rerun :func:`tests.sync.helpers.run_sync`.
- ``graph``: a Microsoft 365 profile; the crash run is tests/graph/crash_child.py (a token
  from the sandbox's control API), the rerun :func:`tests.graph.helpers.run_graph_sync`.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from exsync_tui.core.profiles import Config, Profile, save_config
from exsync_tui.core.sync import crashpoints
from exsync_tui.core.sync.engine import SyncResult
from exsync_tui.core.sync.events import SyncEvent
from exsync_tui.sandbox import Sandbox
from tests.forked import run_forked
from tests.graph import crash_child
from tests.graph.helpers import graph_profile, run_graph_sync
from tests.sync.cli_helpers import crash_at, save_sandbox_profile
from tests.sync.helpers import run_sync


@dataclass(frozen=True)
class KillSource:
    """How a kill test saves a profile, crashes its sync and reruns it, for one source."""

    name: str
    item_key: str
    """The sandbox truth's field that the local state knows items by."""
    save: Callable[[Sandbox, Path], Profile]
    crash: Callable[[Sandbox, Profile, str, int], None]
    """Sync until the process SIGKILLs itself at the ``hit``-th pass of ``point``."""
    sync: Callable[[Sandbox, Profile], tuple[SyncResult, list[SyncEvent]]]


def _graph_saved(sb: Sandbox, _tmp_path: Path) -> Profile:
    profile = graph_profile(sb)
    save_config(Config(profiles={profile.name: profile}))
    return profile


def _graph_crash(sb: Sandbox, profile: Profile, point: str, hit: int) -> None:
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


EWS = KillSource(
    "ews",
    "id",
    save=save_sandbox_profile,
    crash=lambda _sb, profile, point, hit: crash_at(profile, point, hit),
    sync=run_sync,
)
GRAPH = KillSource("graph", "graph_id", save=_graph_saved, crash=_graph_crash, sync=run_graph_sync)
SOURCES = [pytest.param(EWS, id="ews"), pytest.param(GRAPH, id="graph")]
"""For ``@pytest.mark.parametrize("source", SOURCES)``."""
