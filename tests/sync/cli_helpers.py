"""Running the real `exsync sync` command in a child process against a sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from exsync_tui.core.profiles import Config, Profile, save_config
from exsync_tui.sandbox import Sandbox
from tests.sync.helpers import profile_for


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
