"""`exsync diagnose` on a Microsoft 365 profile: settings, authority, sign-in and Graph."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from exsync_tui.core.profiles import load_config
from exsync_tui.sandbox import Sandbox
from tests.cli_runner import run_exsync
from tests.m365.test_headless_sync import _add, _sign_in

STEPS = ["Microsoft 365 settings", "Sign-in authority", "Microsoft 365 sign-in", "Microsoft Graph"]


def _diagnose(capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch) -> tuple[int, dict]:
    code, out, _ = run_exsync(capsys, mp, "diagnose", "m365", "--json")
    return code, json.loads(out)


def test_a_signed_in_profile_passes_every_step_and_reads_me(
    fresh_sandbox: Callable[..., Sandbox],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    _add(sandbox, capsys, monkeypatch)
    _sign_in(sandbox)
    sandbox.control.revoke_access_tokens(sandbox.info.users[0].email)  # Graph refuses: refresh
    sandbox.control.clear_request_log()
    code, result = _diagnose(capsys, monkeypatch)
    assert code == 0, result
    assert [s["name"] for s in result["steps"]] == STEPS
    assert sandbox.info.users[0].email in result["steps"][-1]["detail"]
    log = sandbox.control.request_log()
    me = [e["status"] for e in log if e["path"] == "/v1.0/me"]
    assert me == [401, 200]
    assert not any(e["path"].endswith("/devicecode") for e in log)


def test_never_signed_in_stops_at_the_sign_in_step(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(sandbox, capsys, monkeypatch)
    code, result = _diagnose(capsys, monkeypatch)
    assert code == 1
    assert [s["status"] for s in result["steps"]] == ["ok", "ok", "fail"]
    assert result["topic"]["id"] == "m365-signin-needed"
    assert any("exsync profiles signin m365" in a for a in result["topic"]["advice"])
    assert load_config().profiles["m365"].metadata.last_error_topic == "m365-signin-needed"
