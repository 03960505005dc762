"""The sync board and its words: events folded into rows, statuses, bars, rates, time left."""

from __future__ import annotations

from datetime import timedelta

from exsync_tui.core.profiles import new_profile
from exsync_tui.core.sync.engine import SyncResult
from exsync_tui.core.sync.events import (
    FolderCounts,
    FolderDone,
    FolderStarted,
    MailboxDone,
    MailboxStarted,
    Progress,
)
from exsync_tui.ui.scenarios import FIXED_NOW
from exsync_tui.ui.sync_board import RunState, SyncBoard
from exsync_tui.ui.sync_presenters import (
    bar,
    dashboard_status,
    disabled_status,
    items_text,
    time_left,
)
from exsync_tui.ui.sync_scenarios import FakeClock
from tests.ui.helpers_ui import mail_dir_with_a_message


def test_a_mailbox_is_claimed_once_until_its_run_ends() -> None:
    board = SyncBoard(FakeClock())
    assert board.begin("work")
    assert not board.begin("work")
    board.apply(MailboxDone("work", True))
    assert board.begin("work")  # a new run after the last one ended


def test_progress_and_folder_counts_add_up_per_mailbox() -> None:
    clock = FakeClock()
    board = SyncBoard(clock)
    board.begin("work")
    board.apply(MailboxStarted("work"))
    board.apply(FolderStarted("work", "INBOX", "mail", total=40))
    board.apply(Progress("work", "INBOX", 10, 40, 1000))
    board.apply(FolderStarted("work", "Sent", "mail", total=10))
    board.apply(Progress("work", "Sent", 5, 10, 500))
    row = board.row("work")
    assert row is not None and row.state is RunState.RUNNING
    assert (row.items_done, row.total, row.bytes_done) == (15, 50, 1500)
    assert dashboard_status(new_profile("work", "a@b.c"), row, FIXED_NOW) == "⟳ syncing 30%"
    board.apply(FolderDone("work", "INBOX", "mail", FolderCounts(new=3, deleted=2)))
    assert row.kept == FolderCounts(new=3, deleted=2)
    assert any("2 deleted to match the server" in line for line in board.log)


def test_a_run_that_never_started_ends_with_its_result() -> None:
    board = SyncBoard(FakeClock())
    board.begin("work")
    board.finish(SyncResult("work", False, topic="keyring-unavailable", detail="no password"))
    row = board.row("work")
    assert row is not None and row.state is RunState.FAILED and row.topic == "keyring-unavailable"
    assert not board.active()


def test_items_bars_and_time_left() -> None:
    assert items_text(1234, None) == "1,234 items"
    assert items_text(37, 100) == "37%"
    assert bar(5, 10, width=10) == "█████░░░░░"
    assert bar(5, None) == ""
    assert time_left(50, 100, elapsed=10.0) == "10 s left"
    assert time_left(50, None, elapsed=10.0) == ""
    assert time_left(1, 100, elapsed=0.1) == ""  # too early to tell


def test_a_disabled_mailbox_with_local_data_says_when_it_is_purged() -> None:
    profile = new_profile("old", "old@example.net").disabled(FIXED_NOW - timedelta(days=10))
    assert disabled_status(profile, FIXED_NOW) == "– disabled"  # nothing on disk yet
    mail_dir_with_a_message(profile)
    days = profile.retention_days - 10
    assert disabled_status(profile, FIXED_NOW) == f"– disabled (purge in {days} days)"


def test_periodic_runs_are_due_an_interval_after_the_last_sync_or_attempt() -> None:
    from dataclasses import replace

    from exsync_tui.core.profiles import MailboxMetadata
    from exsync_tui.ui.periodic import due, next_run

    off = new_profile("off", "off@example.com")
    assert next_run(off, None) is None  # off by default
    synced = FIXED_NOW - timedelta(minutes=20)
    on = replace(off, name="on", sync_interval_minutes=30,
                 metadata=MailboxMetadata(last_synced=synced))  # fmt: skip
    assert next_run(on, None) == synced + timedelta(minutes=30)
    assert due([off, on], {}, FIXED_NOW) == []
    assert due([off, on], {}, FIXED_NOW + timedelta(minutes=10)) == [on]
    # A failed attempt after the last success waits a whole interval again.
    assert (
        due([on], {on.id: FIXED_NOW + timedelta(minutes=5)}, FIXED_NOW + timedelta(minutes=10))
        == []
    )
    assert next_run(on.disabled(FIXED_NOW), None) is None


def test_the_interval_is_saved_and_read_back_and_checked() -> None:
    from dataclasses import replace

    import pytest

    from exsync_tui.core import paths
    from exsync_tui.core.profiles import Config, ConfigError, load_config, save_config

    config = Config()
    config.add(replace(new_profile("work", "jane@example.com"), sync_interval_minutes=45))
    save_config(config)
    assert load_config().profiles["work"].sync_interval_minutes == 45
    text = paths.config_file().read_text()
    assert "sync_interval_minutes = 45" in text
    paths.config_file().write_text(text.replace("= 45", "= -5"))
    with pytest.raises(ConfigError, match="sync_interval_minutes"):
        load_config()
