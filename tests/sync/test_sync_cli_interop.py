"""`exsync sync --all --json` as cron runs it; notmuch and khal read what it wrote."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from exsync_tui.core.profiles import load_config
from exsync_tui.core.sync.record import local_counts
from exsync_tui.sandbox import Sandbox
from tests.sync.cli_helpers import json_events, run_cli, save_sandbox_profile
from tests.sync.helpers import assert_mail_matches


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} is not installed: run `make deps` (scripts/system-deps installs it)")
    return found


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

    notmuch_config = tmp_path / "notmuch-config"
    mail_root = profile.effective_mail_dir()
    notmuch_config.write_text(f"[database]\npath={mail_root}\n[new]\ntags=new\n")
    env = {**os.environ, "NOTMUCH_CONFIG": str(notmuch_config)}
    subprocess.run([_need("notmuch"), "new", "--quiet"], env=env, check=True, timeout=60)
    counted = subprocess.run(
        [_need("notmuch"), "count", "--output=files", "*"],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert int(counted.stdout) == messages

    calendars = profile.effective_calendar_dir()
    ics_files = sorted(calendars.rglob("*.ics"))
    assert ics_files
    for path in ics_files:
        icalendar.Calendar.from_ical(path.read_bytes())  # every file parses
    khal_config = tmp_path / "khal.conf"
    khal_config.write_text(
        "[calendars]\n[[exchange]]\n"
        f"path = {calendars}/*\ntype = discover\n"
        "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\n"
        "longdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\n"
        "longdatetimeformat = %Y-%m-%d %H:%M\n"
    )
    start = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%d")
    listed = subprocess.run(
        [_need("khal"), "-c", str(khal_config), "list", "--format", "{title}", start, "400d"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    titles = {line.strip() for line in listed.stdout.splitlines() if line.strip()}
    summaries = {
        str(component["SUMMARY"])
        for path in ics_files
        for component in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
        if "SUMMARY" in component
    }
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
