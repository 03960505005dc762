"""What the store writes, real clients read: notmuch indexes the Maildir, khal lists the vdir.

Both tools are installed by ``.ci/run`` (``apt-get install notmuch khal``); a machine
without them fails here with a message saying so, rather than skipping.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from exsync_tui.core.store.folder_names import Layout, path_for
from exsync_tui.core.store.maildir import MaildirStore
from exsync_tui.core.store.vdir import VdirStore
from tests.store.ics_samples import ALL_DAY, SERIES, TIMED


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed: run `apt-get install -y notmuch khal` (.ci/run does)"
        )
    return found


def _message(number: int) -> bytes:
    return (
        f"From: sender{number}@example.com\r\nTo: me@example.com\r\n"
        f"Subject: message {number}\r\nMessage-ID: <{number}@example.com>\r\n"
        f"Date: Mon, 5 Jan 2026 10:00:00 +0000\r\n\r\nbody {number}\r\n"
    ).encode()


def _notmuch(config: Path, *args: str) -> str:
    result = subprocess.run(
        [_tool("notmuch"), f"--config={config}", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


@pytest.mark.parametrize("layout", [Layout.VERBATIM, Layout.MAILDIRPP])
def test_notmuch_indexes_every_message_with_its_flags(tmp_path: Path, layout: Layout) -> None:
    store = MaildirStore(tmp_path / "mail", layout)
    folders = [path_for(p, layout) for p in (["Inbox"], ["Inbox", "Projects"], ["a/b", ".."])]
    flags_cycle = ["", "S", "FS", "F", "RS"]
    expected = {"unread": 0, "flagged": 0, "replied": 0}
    number = 0
    delivered = []
    for folder in folders:
        store.create_folder(folder)
        for _ in range(10):
            flags = flags_cycle[number % len(flags_cycle)]
            delivered.append(store.deliver(folder, _message(number), flags=flags))
            expected["unread"] += "S" not in flags
            expected["flagged"] += "F" in flags
            expected["replied"] += "R" in flags
            number += 1
    store.sync_dirs()
    config = tmp_path / "notmuch-config"
    config.write_text(
        f"[database]\npath={store.root}\n[user]\nname=Me\nprimary_email=me@example.com\n"
        "[new]\ntags=inbox;unread;\n[maildir]\nsynchronize_flags=true\n"
    )
    _notmuch(config, "new", "--quiet")
    assert _notmuch(config, "count", "*") == str(number)
    for tag, count in expected.items():
        assert _notmuch(config, "count", f"tag:{tag}") == str(count), tag
    # notmuch marks message 0 (in new/) read: it renames the file into cur/ with :2,S.
    _notmuch(config, "tag", "-unread", "id:0@example.com")
    first = delivered[0]
    assert not first.path.exists()
    found = store.find(folders[0], first.base)
    assert found is not None and found.flags == "S" and found.path.parent.name == "cur"
    assert found.path.read_bytes() == _message(0)
    assert len(store.messages(folders[0])) == 10


def test_khal_lists_the_written_events(tmp_path: Path) -> None:
    vdir = VdirStore(tmp_path / "calendars")
    calendar = path_for(["Calendar"], Layout.FLAT)
    vdir.create_calendar(calendar, displayname="Work", color="#336699")
    vdir.write_event(calendar, "timed-1", TIMED.format(uid="timed-1", summary="Planning"))
    vdir.write_event(calendar, "allday-1", ALL_DAY.format(uid="allday-1", summary="Holiday"))
    uid = "series with spaces@example.com"  # written under a hashed name
    vdir.write_event(calendar, uid, SERIES.format(uid=uid, summary="Standup"))
    vdir.sync_dirs()
    config = tmp_path / "khal.conf"
    config.write_text(
        f"[calendars]\n[[work]]\npath = {vdir.root / calendar}\n"
        f"[sqlite]\npath = {tmp_path / 'khal.db'}\n"
        "[locale]\nlocal_timezone = UTC\ndefault_timezone = UTC\ntimeformat = %H:%M\n"
        "dateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
    )
    result = subprocess.run(
        [
            _tool("khal"),
            "-c",
            str(config),
            "list",
            "--format",
            "{start} {title}",
            "2026-01-01",
            "30d",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("2026")]
    assert "2026-01-05 09:00 Planning" in lines  # 10:00 Berlin is 09:00 UTC in winter
    assert "2026-01-07 Holiday" in lines
    standups = sorted(line for line in lines if "Standup" in line)
    # Five daily occurrences, one cancelled (EXDATE), one moved to 15:00.
    assert standups == [
        "2026-01-12 09:00 Standup",
        "2026-01-13 15:00 Standup (moved)",
        "2026-01-15 09:00 Standup",
        "2026-01-16 09:00 Standup",
    ]
