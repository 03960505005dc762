"""`exsync sync` on a Microsoft 365 profile never waits for a person: exit 4 and a topic."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from exsync_tui.core.m365 import DeviceSignIn, settings_from_profile
from exsync_tui.core.profiles import load_config
from exsync_tui.core.secrets import SecretStore
from exsync_tui.sandbox import Sandbox
from tests.cli_runner import run_exsync
from tests.m365.test_cli_signin import _add_argv


def _mailbox_done(out: str) -> dict[str, object]:
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    (done,) = (e for e in events if e.get("event") == "done")
    return dict(done)


def _add(sandbox: Sandbox, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch) -> None:
    code, _, err = run_exsync(capsys, mp, *_add_argv(sandbox, "--no-verify-connect"))
    assert code == 0, err


def _sign_in(sandbox: Sandbox) -> None:
    profile = load_config().profiles["m365"]
    flow = DeviceSignIn(settings_from_profile(profile, None), SecretStore())
    sandbox.control.approve_device_code(flow.start().user_code)
    flow.wait()


def test_a_revoked_sign_in_stops_the_sync_at_once_with_exit_4(
    fresh_sandbox: Callable[..., Sandbox],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    _add(sandbox, capsys, monkeypatch)
    _sign_in(sandbox)
    sandbox.control.revoke_refresh_tokens(sandbox.info.users[0].email)
    sandbox.control.expire_access_tokens()
    sandbox.control.set_access_token_lifetime(3600)
    # The cached access token is still valid for msal: only a refresh meets the revocation.
    store = SecretStore()
    cache = json.loads(store.get_token_cache(load_config().profiles["m365"].id) or "{}")
    for entry in cache["AccessToken"].values():
        entry["expires_on"] = entry["extended_expires_on"] = "0"
    store.set_token_cache(load_config().profiles["m365"].id, json.dumps(cache))
    sandbox.control.clear_request_log()

    code, out, _ = run_exsync(capsys, monkeypatch, "sync", "m365", "--json")

    assert code == 4
    assert "m365-grant-revoked" in json.dumps(_mailbox_done(out))
    paths = [e["path"] for e in sandbox.control.request_log()]
    assert not any(p.endswith("/devicecode") for p in paths)  # nobody was asked to sign in
    assert load_config().profiles["m365"].metadata.last_error_topic == "m365-grant-revoked"


def test_never_signed_in_is_sign_in_needed_without_a_request(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(sandbox, capsys, monkeypatch)
    sandbox.control.clear_request_log()
    code, out, _ = run_exsync(capsys, monkeypatch, "sync", "m365", "--json")
    assert code == 4
    assert "m365-signin-needed" in json.dumps(_mailbox_done(out))
    assert sandbox.control.request_log() == []
