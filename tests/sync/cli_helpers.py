"""Running the real `exsync sync` command in a child process against a sandbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import icalendar

from exsync_tui.core.profiles import Config, Profile, save_config
from exsync_tui.core.sync import crashpoints
from exsync_tui.sandbox import Sandbox
from tests.forked import run_forked
from tests.sync import crash_child
from tests.sync.helpers import assert_mail_matches, profile_for


def save_sandbox_profile(sb: Sandbox, tmp_path: Path, user: int = 0, **changes: Any) -> Profile:
    """Save a connected profile for a sandbox mailbox whose password comes from a command."""
    secret = tmp_path / f"password-{user}"
    secret.write_text(sb.info.users[user].password + "\n")
    secret.chmod(0o600)
    profile = replace(profile_for(sb, user, **changes), password_command=("cat", str(secret)))
    save_config(Config(profiles={profile.name: profile}))
    return profile


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``exsync ARGS`` in a child process (the test's XDG dirs and loopback guard apply)."""
    return subprocess.run(
        [sys.executable, "-m", "exsync_tui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def json_events(stdout: str) -> list[dict[str, Any]]:
    """The JSON objects of `exsync sync --json`, one per line."""
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def assert_exact(sb: Sandbox, profile: Profile) -> None:
    """The Maildir is the server's mail exactly, no tmp file is left, every event is there once."""
    assert_mail_matches(sb, profile)
    leftovers = [p for p in profile.effective_mail_dir().rglob("tmp/*") if p.is_file()]
    assert leftovers == []
    uids: list[str] = []
    for path in profile.effective_calendar_dir().rglob("*.ics"):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        uids.append(str(next(iter(calendar.walk("VEVENT")))["UID"]))
    assert uids and len(uids) == len(set(uids))  # every event once


def crash_at(profile: Profile, point: str, hit: int, *, command: bool = False) -> None:
    """Run the sync child of ``profile`` until it SIGKILLs itself at the ``hit``-th pass of
    ``point``; with ``command``, the whole `exsync sync` in a new interpreter, which must die
    with it (see tests/sync/crash_child.py)."""
    env = {crashpoints.ENV: f"{point}:{hit}"}
    if command:
        crashed = run_cli("sync", profile.name, env=env)
        status, stderr = crashed.returncode, crashed.stderr
    else:
        forked = run_forked(crash_child.main, profile.name, env=env)
        status, stderr = forked.returncode, forked.stderr.decode(errors="replace")
    assert status == -signal.SIGKILL, (
        f"{point}:{hit} was not reached (exit {status}): update the case list\n{stderr[-2000:]}"
    )
