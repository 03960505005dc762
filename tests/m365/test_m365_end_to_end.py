"""Issue 11's "done when": add a Microsoft 365 profile with a device code on a terminal,
then `exsync sync` fills a Maildir and calendars that notmuch and khal read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from exsync_tui.core.profiles import load_config
from exsync_tui.sandbox import Sandbox
from tests.m365.test_cli_signin import _add_argv, _shown_code
from tests.pty_session import start
from tests.sync.helpers import assert_mail_matches
from tests.sync.readers import khal_titles_and_summaries, notmuch_file_count


@pytest.mark.system
def test_device_code_sign_in_then_sync_through_graph_fills_what_notmuch_and_khal_read(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = fresh_sandbox(messages=12, events=6)
    # One terminal session, as a person would type it: the keyring lives as long as it.
    session = start([_add_argv(sandbox), ["sync", "m365", "--json"], ["sync", "m365", "--json"]])
    sandbox.control.approve_device_code(_shown_code(session))
    assert session.finish() == 0, session.text()
    assert session.exit_codes() == [0, 0, 0], session.text()

    events = [
        json.loads(line)
        for line in session.text().replace("\r", "").splitlines()
        if line.startswith("{")
    ]
    first, second = (e["profiles"]["m365"] for e in events if e["event"] == "done")
    assert first["ok"] and first["new"] > 0
    assert (second["new"], second["changed"], second["deleted"]) == (0, 0, 0)
    paths = [entry["path"] for entry in sandbox.control.request_log()]
    assert any(p.startswith("/v1.0/me/mailFolders") for p in paths)
    assert not any(p.lower() == "/ews/exchange.asmx" for p in paths)  # Graph, not EWS

    profile = load_config().profiles["m365"]
    messages = assert_mail_matches(sandbox, profile)
    assert notmuch_file_count(profile.effective_mail_dir(), tmp_path) == messages
    titles, summaries = khal_titles_and_summaries(profile.effective_calendar_dir(), tmp_path)
    assert titles & summaries, (titles, summaries)
