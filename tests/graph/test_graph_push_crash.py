"""Kill -9 at every point of a push through Graph; a rerun must leave the server's truth as
the rules say. The same local changes, cases and checks as the EWS push kill test
(tests/sync/test_push_crash.py), with the sync in a child process (tests/graph/crash_child)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import run_graph_sync
from tests.graph.test_graph_crash import _crash, _saved
from tests.sync.cli_helpers import assert_exact
from tests.sync.test_push_crash import CASES, _assert_server, _change_locally


def test_there_are_at_least_twenty_cases() -> None:
    assert len(set(CASES)) >= 20


@pytest.mark.parametrize(("point", "hit"), CASES)
def test_killed_during_a_graph_push(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, point: str, hit: int
) -> None:
    sb = fresh_sandbox(messages=60, events=3)
    profile = _saved(sb)
    assert run_graph_sync(sb, profile)[0].ok
    total = sum(1 for i in sb.control.truth(sb.info.users[0].email)["items"]
                if i["kind"] == "message")  # fmt: skip
    wanted = _change_locally(sb, profile, key="graph_id")
    _crash(sb, profile, point, hit)
    result, _ = run_graph_sync(sb, profile)
    assert result.ok, result
    _assert_server(sb, wanted, total)
    assert_exact(sb, profile)
