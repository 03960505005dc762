"""`exsync profiles add --office365` and `profiles signin` on a real terminal (sandbox)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable

import pytest

from exsync_tui.core.profiles import load_config
from exsync_tui.sandbox import Sandbox
from tests.cli_runner import run_exsync
from tests.m365.test_signin import CLIENT_ID
from tests.pty_session import PtySession, start


def _add_argv(sandbox: Sandbox, *extra: str) -> list[str]:
    return [
        "profiles", "add", "m365", "--office365", "--email", sandbox.info.users[0].email,
        "--client-id", CLIENT_ID, "--authority", sandbox.info.authority_url,
        "--graph-url", sandbox.info.graph_url, "--ca-file", str(sandbox.info.ca_file), *extra,
    ]  # fmt: skip


def _shown_code(session: PtySession) -> str:
    session.expect("and enter the code:")
    session.expect("(the code expires in")
    shown = re.findall(r"enter the code:\s+(\S+)", session.text())
    assert shown, session.text()
    return str(shown[-1])


def test_add_shows_the_code_and_completes_when_the_sandbox_approves(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    session = start([_add_argv(sandbox), ["profiles", "signin", "m365"]])
    code = _shown_code(session)
    assert code in sandbox.control.pending_device_codes()
    session.expect("left")  # the countdown runs on a terminal
    sandbox.control.approve_device_code(code)
    session.expect(f"signed in as {sandbox.info.users[0].email}")
    # `profiles signin` signs the saved profile in again.
    again = _shown_code(session)
    assert again != code
    sandbox.control.approve_device_code(again)
    assert session.finish() == 0
    assert session.exit_codes() == [0, 0]
    assert len(session.stored_digests()) == 1  # the token cache, and no password
    profile = load_config().profiles["m365"]
    assert profile.office365.client_id == CLIENT_ID
    assert profile.office365.authority == sandbox.info.authority_url


def test_show_reports_the_sign_in_health_without_secrets(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.m365.test_headless_sync import _add, _sign_in

    _add(sandbox, capsys, monkeypatch)
    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "show", "m365", "--json")
    assert code == 0 and json.loads(out)["sign_in"]["state"] == "sign-in needed"
    _sign_in(sandbox)
    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "show", "m365", "--json")
    shown = json.loads(out)
    assert shown["sign_in"]["state"] == "valid"
    assert shown["sign_in"]["username"] == sandbox.info.users[0].email
    assert shown["office365"]["client_id"] == CLIENT_ID
    assert "secret" not in out and "refresh" not in out.replace("refreshes_until", "")


def test_ctrl_c_cancels_the_wait_and_keeps_nothing(sandbox: Sandbox) -> None:
    session = start([_add_argv(sandbox)])
    _shown_code(session)
    session.expect("left")
    os.write(session.fd, b"\x03")
    session.expect("sign-in cancelled")
    assert session.finish() == 0
    assert session.exit_codes() == [130]
    assert session.stored_digests() == []
    assert "m365" not in load_config().profiles


def test_a_declined_sign_in_shows_its_topic_and_takes_the_profile_back(
    sandbox: Sandbox,
) -> None:
    session = start([_add_argv(sandbox)])
    sandbox.control.decline_device_code(_shown_code(session))
    session.expect("[m365-device-code-declined]")
    session.expect("exsync profiles signin m365")  # the advice names the profile
    assert session.finish() == 0
    assert session.exit_codes() == [1]
    assert "m365" not in load_config().profiles


def test_no_client_id_is_refused_before_anything_is_saved(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = [a for a in _add_argv(sandbox) if a not in ("--client-id", CLIENT_ID)]
    code, _, err = run_exsync(capsys, monkeypatch, *argv)
    assert code == 2
    assert "--client-id:" in err and "Registering exsync" in err
    assert "m365" not in load_config().profiles


def test_microsoft_365_flags_need_office365(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["profiles", "add", "w", "--email", "a@example.com", "--tenant", "contoso.com"]
    code, _, err = run_exsync(capsys, monkeypatch, *argv, "--no-verify-connect")
    assert code == 2 and "--tenant: only for Microsoft 365 profiles" in err
