"""`exsync sync --all --json` as cron runs it; notmuch and khal read what it wrote."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from exsync_tui.core.profiles import load_config
from exsync_tui.core.sync.record import local_counts
from exsync_tui.sandbox import Sandbox
from tests.sync.cli_helpers import json_events, run_cli, save_sandbox_profile
from tests.sync.helpers import assert_mail_matches
from tests.sync.readers import khal_titles_and_summaries, notmuch_file_count


@pytest.mark.system
def test_sync_all_json_fills_a_maildir_notmuch_indexes_and_calendars_khal_lists(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(messages=15, events=6)
    profile = save_sandbox_profile(sb, tmp_path)

    done = run_cli("sync", "--all", "--json")

    assert done.returncode == 0, done.stderr
    saved = load_config().profiles[profile.name]
    assert saved.metadata.last_synced is not None and saved.metadata.last_error_topic is None
    held = local_counts(saved)
    events = json_events(done.stdout)
    assert events[-1]["event"] == "done"
    assert events[-1]["profiles"][profile.name]["ok"] is True
    kinds = {event["event"] for event in events}
    assert {"mailbox-started", "folder-started", "folder-done", "mailbox-done"} <= kinds
    messages = assert_mail_matches(sb, profile)
    assert held.messages == messages and held.events > 0

    assert notmuch_file_count(profile.effective_mail_dir(), tmp_path) == messages
    titles, summaries = khal_titles_and_summaries(profile.effective_calendar_dir(), tmp_path)
    assert titles & summaries, (titles, summaries)

    again = run_cli("sync", profile.name, "--json")
    assert again.returncode == 0
    last = json_events(again.stdout)[-1]["profiles"][profile.name]
    assert (last["new"], last["deleted"], last["changed"]) == (0, 0, 0)


def test_sync_needs_names_or_all_and_names_a_missing_profile(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    save_sandbox_profile(sb, tmp_path)
    nothing = run_cli("sync")
    assert nothing.returncode == 2 and "--all" in nothing.stderr
    missing = run_cli("sync", "nosuch")
    assert missing.returncode == 2 and "nosuch" in missing.stderr
    assert sb.control.request_log() == []


def test_a_failing_profile_is_named_with_its_topic_and_exit_1(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    profile = save_sandbox_profile(sb, tmp_path)
    sb.control.set_password(sb.info.users[0].email, "changed-by-the-admin")

    done = run_cli("sync", profile.name)

    assert done.returncode == 1
    assert f"not synced: {profile.name}: credentials-rejected" in done.stdout
    assert load_config().profiles[profile.name].metadata.last_error_topic == "credentials-rejected"
    assert sb.info.users[0].password not in done.stdout + done.stderr
