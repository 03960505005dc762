"""`exsync send` from a signed-in Microsoft 365 profile goes out through Graph's sendMail."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from exsync_tui.cli import main
from exsync_tui.sandbox import Sandbox
from tests.m365.test_headless_sync import _add, _sign_in
from tests.send.helpers import message


def test_send_from_a_microsoft_365_profile_goes_through_graph_with_bcc(
    fresh_sandbox: Callable[..., Sandbox],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    me = sandbox.info.users[0].email
    _add(sandbox, capsys, monkeypatch)
    _sign_in(sandbox)
    sandbox.control.clear_request_log()
    raw = message("From the cloud", me, "you@example.org", bcc="hidden@example.org")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))

    code = main(["send", "-t"])

    assert code == 0, capsys.readouterr().err
    [sent] = sandbox.control.outbox_envelopes(me)
    assert {"you@example.org", "hidden@example.org"} <= set(sent["recipients"])
    assert b"hidden@example.org" not in sent["mime"]  # what the recipients see
    paths = [entry["path"] for entry in sandbox.control.request_log()]
    assert "/v1.0/me/sendMail" in paths
    assert not any(p.lower() == "/ews/exchange.asmx" for p in paths)
