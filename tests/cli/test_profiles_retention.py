"""Disabling a mailbox: its data is kept for retention_days, said in advance, then purged."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from exsync_tui.core import paths
from exsync_tui.core.profiles import load_config, new_profile
from exsync_tui.core.profiles.retention import purge_expired, retention_notice
from exsync_tui.core.secrets import SecretStore
from tests.cli_runner import run_exsync

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _add(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_exsync(
        capsys, monkeypatch, "profiles", "add", "work", "--email", "jane@example.com",
        "--password-stdin", "--no-verify-connect", stdin="s3cret\n",
    )  # fmt: skip
    assert (code, err) == (0, "")


def _with_local_data(profile_name: str) -> list[Path]:
    profile = load_config().profiles[profile_name]
    made = [profile.effective_mail_dir() / "INBOX" / "cur", profile.state_dir()]
    for directory in made:
        directory.mkdir(parents=True)
    (made[0] / "1.eml:2,S").write_bytes(b"Subject: kept\r\n\r\nbody\r\n")
    return made


def test_disable_says_when_the_data_goes_and_list_keeps_saying_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(capsys, monkeypatch)
    _with_local_data("work")

    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "disable", "work")
    assert code == 0
    assert "work is disabled; local data purged in 30 days" in out
    assert "password stays until `exsync profiles remove work`" in out
    profile = load_config().profiles["work"]
    assert not profile.enabled and profile.disabled_at is not None

    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "list")
    assert "disabled; local data purged in 30 days" in out
    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "list", "--json")
    row = json.loads(out)["profiles"][0]
    assert row["purge_due_at"] == (profile.disabled_at + timedelta(days=30)).isoformat()

    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "enable", "work")
    assert code == 0 and "work is enabled" in out
    assert load_config().profiles["work"].disabled_at is None
    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "list")
    assert "purged" not in out


def test_retention_days_is_a_profile_setting_checked_by_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(capsys, monkeypatch)
    config_file = paths.config_file()
    text = config_file.read_text()
    assert "retention_days = 30" in text  # written out, so users see the setting
    config_file.write_text(text.replace("retention_days = 30", "retention_days = -3"))

    code, _, err = run_exsync(capsys, monkeypatch, "profiles", "list")

    assert code != 0
    assert "profiles.work.retention_days" in err
    assert config_file.read_text().count("retention_days = -3") == 1  # nothing was rewritten


def test_only_profiles_past_their_retention_lose_local_data_and_never_the_password() -> None:
    store = SecretStore()
    base = new_profile("old", email="old@example.com")
    expired = replace(base, enabled=False, disabled_at=NOW - timedelta(days=31))
    recent = replace(
        new_profile("recent", email="r@example.com"),
        enabled=False,
        disabled_at=NOW - timedelta(days=29),
    )
    short = replace(recent, name="short", id="s" * 32, retention_days=7)
    enabled = new_profile("active", email="a@example.com")
    profiles = [expired, recent, short, enabled]
    for profile in profiles:
        (profile.effective_mail_dir() / "INBOX" / "cur").mkdir(parents=True)
        store.set_password(profile.id, "pw")

    reports = purge_expired(profiles, NOW)

    assert sorted(reports) == ["old", "short"]
    assert not expired.effective_mail_dir().exists()
    assert not short.effective_mail_dir().exists()
    assert recent.effective_mail_dir().exists() and enabled.effective_mail_dir().exists()
    assert all(store.has_password(profile.id) for profile in profiles)
    assert purge_expired(profiles, NOW) == {}  # nothing left to purge: nothing happens


def test_the_notice_counts_a_part_day_as_a_day_and_knows_when_data_is_gone() -> None:
    disabled = replace(
        new_profile("p", email="p@example.com"),
        enabled=False,
        disabled_at=NOW - timedelta(days=29, hours=1),
    )
    (disabled.effective_mail_dir()).mkdir(parents=True)
    notice = retention_notice(disabled, NOW)
    assert notice is not None and notice.days_left == 1
    assert notice.text().startswith("disabled; local data purged in 1 day (")
    due = retention_notice(disabled, NOW + timedelta(days=2))
    assert due is not None and due.text() == "disabled; local data is purged at the next sync"
    disabled.effective_mail_dir().rmdir()
    gone = retention_notice(disabled, NOW + timedelta(days=2))
    assert gone is not None and gone.text() == "disabled; no local data"
    assert retention_notice(disabled.reenabled(), NOW) is None


def test_the_retention_purge_keeps_mail_still_waiting_to_be_sent() -> None:
    from exsync_tui.core.send.outgoing import prepare
    from exsync_tui.core.send.queue import QUEUED, SendQueue
    from tests.send.helpers import message

    base = new_profile("old", email="old@example.com")
    expired = replace(base, enabled=False, disabled_at=NOW - timedelta(days=31))
    (expired.effective_mail_dir() / "INBOX" / "cur").mkdir(parents=True)
    raw = message("Waiting", "old@example.com", "f@example.com")
    queued = SendQueue.of(expired).add(prepare(raw, ["f@example.com"], from_headers=False), QUEUED)

    report = purge_expired([expired], NOW)["old"]

    assert not expired.effective_mail_dir().exists()  # the synced copy goes, as promised
    # The only copy of unsent mail stays, whole.
    assert [e.message_id for e in SendQueue.of(expired).unsent()] == [queued.message_id]
    assert SendQueue.of(expired).mime(queued).endswith(b"Body of Waiting.\r\n")
    assert report.failed == {expired.state_dir(): "kept: its send queue holds 1 unsent message(s)"}
