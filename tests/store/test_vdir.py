"""The vdir writer: one .ics per event, validated, atomic, private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import icalendar
import pytest

from exsync_tui.core.store.errors import StoreError
from exsync_tui.core.store.vdir import InvalidEvent, VdirStore, event_filename
from tests.store.ics_samples import ALL_DAY, SERIES, TIMED


@pytest.fixture
def vdir(tmp_path: Path) -> VdirStore:
    store = VdirStore(tmp_path / "calendars")
    store.create_calendar("Calendar", displayname="Work\ncalendar", color="#1a2b3c")
    return store


def test_calendar_has_metadata_files_and_private_modes(vdir: VdirStore) -> None:
    directory = vdir.root / "Calendar"
    assert (directory / "displayname").read_text() == "Work calendar"
    assert (directory / "color").read_text() == "#1a2b3c"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / "color").stat().st_mode) == 0o600


def test_events_are_written_under_their_uid_and_read_back(vdir: VdirStore) -> None:
    text = SERIES.format(uid="series-1@example.com", summary="Daily")
    name = vdir.write_event("Calendar", "series-1@example.com", text)
    assert name == "series-1@example.com.ics"
    path = vdir.root / "Calendar" / name
    assert path.read_bytes() == text.encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    parsed = icalendar.Calendar.from_ical(path.read_bytes())
    assert len(parsed.walk("VEVENT")) == 2  # master and override in one file
    assert vdir.events("Calendar") == [name]
    assert [p for p in os.listdir(vdir.root / "Calendar") if p.endswith(".tmp")] == []


def test_rewriting_replaces_the_file(vdir: VdirStore) -> None:
    vdir.write_event("Calendar", "u1", ALL_DAY.format(uid="u1", summary="Old"))
    vdir.write_event("Calendar", "u1", ALL_DAY.format(uid="u1", summary="New"))
    assert vdir.events("Calendar") == ["u1.ics"]
    assert b"SUMMARY:New" in (vdir.root / "Calendar" / "u1.ics").read_bytes()


@pytest.mark.parametrize(
    "uid", ["../../etc/passwd", "with space", ".hidden", "a/b", "x" * 300, "ümlaut", ""]
)
def test_unsafe_uids_get_a_hashed_name(uid: str) -> None:
    name = event_filename(uid)
    assert name.endswith(".ics") and len(name) == 64 + 4
    assert "/" not in name and not name.startswith(".")


def test_hashed_names_are_stable_and_distinct() -> None:
    assert event_filename("a b") == event_filename("a b")
    assert event_filename("a b") != event_filename("a  b")


def test_hashed_uid_round_trip(vdir: VdirStore) -> None:
    uid = "040000008200E00074C5B7101A82E008 {weird/uid}"
    name = vdir.write_event("Calendar", uid, TIMED.format(uid=uid, summary="x"))
    assert vdir.events("Calendar") == [name]
    assert vdir.delete_event("Calendar", name) is True
    assert vdir.delete_event("Calendar", name) is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("garbage", "not valid iCalendar"),
        ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "no event"),
        (ALL_DAY.format(uid="other", summary="x"), "has UID 'other'"),
        (ALL_DAY.format(uid="u1", summary="x").replace("20260107", "notadate"), "DTSTART"),
        (
            ALL_DAY.format(uid="u1", summary="x").replace("DTSTART;VALUE=DATE:20260107\r\n", ""),
            "no DTSTART",
        ),
    ],
)
def test_garbage_is_refused_and_nothing_written(vdir: VdirStore, data: str, message: str) -> None:
    with pytest.raises(InvalidEvent, match=message):
        vdir.write_event("Calendar", "u1", data)
    assert vdir.events("Calendar") == []
    assert [p for p in os.listdir(vdir.root / "Calendar") if p.endswith(".tmp")] == []


def test_bad_colour_and_missing_calendar(vdir: VdirStore) -> None:
    with pytest.raises(StoreError, match="color"):
        vdir.set_metadata("Calendar", color="red")
    with pytest.raises(StoreError, match="create it first"):
        vdir.write_event("Nope", "u1", ALL_DAY.format(uid="u1", summary="x"))
    with pytest.raises(StoreError, match="not an event file name"):
        vdir.delete_event("Calendar", "../color")


def test_calendar_rename_and_delete(vdir: VdirStore) -> None:
    vdir.write_event("Calendar", "u1", ALL_DAY.format(uid="u1", summary="x"))
    vdir.move_folders({"Calendar": "Work"})
    vdir.finish_folder_moves()
    assert vdir.events("Work") == ["u1.ics"]
    assert (vdir.root / "Work" / "displayname").is_file()
    assert vdir.delete_calendar("Work") is True
    assert not (vdir.root / "Work").exists()


def test_recover_removes_temporary_files(vdir: VdirStore) -> None:
    leftover = vdir.root / "Calendar" / ".u1.ics.abc123.tmp"
    leftover.write_bytes(b"half")
    assert vdir.recover() == [leftover]
    assert not leftover.exists()
