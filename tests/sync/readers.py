"""What notmuch and khal, run for real, read from a synced Maildir and vdir."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest


def need(tool: str) -> str:
    """The path of ``tool``; a failure (not a skip) when it is missing."""
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} is not installed: run `make deps` (scripts/system-deps installs it)")
    return found


def notmuch_file_count(mail_root: Path, scratch: Path) -> int:
    """How many files ``notmuch new`` indexes under ``mail_root``."""
    config = scratch / "notmuch-config"
    config.write_text(f"[database]\npath={mail_root}\n[new]\ntags=new\n")
    env = {**os.environ, "NOTMUCH_CONFIG": str(config)}
    subprocess.run([need("notmuch"), "new", "--quiet"], env=env, check=True, timeout=60)
    counted = subprocess.run(
        [need("notmuch"), "count", "--output=files", "*"],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return int(counted.stdout)


def khal_titles_and_summaries(calendars: Path, scratch: Path) -> tuple[set[str], set[str]]:
    """The titles ``khal list`` shows for the sync window, and the SUMMARY of every event
    in the vdir (every ``.ics`` must parse, and there must be some)."""
    ics_files = sorted(calendars.rglob("*.ics"))
    assert ics_files, f"no .ics under {calendars}"
    summaries = {
        str(component["SUMMARY"])
        for path in ics_files
        for component in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
        if "SUMMARY" in component
    }
    config = scratch / "khal.conf"
    config.write_text(
        "[calendars]\n[[exchange]]\n"
        f"path = {calendars}/*\ntype = discover\n"
        "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\n"
        "longdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\n"
        "longdatetimeformat = %Y-%m-%d %H:%M\n"
    )
    start = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%d")
    listed = subprocess.run(
        [need("khal"), "-c", str(config), "list", "--format", "{title}", start, "400d"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    titles = {line.strip() for line in listed.stdout.splitlines() if line.strip()}
    return titles, summaries
