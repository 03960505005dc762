"""notmuch with `maildir.synchronize_flags`: tags become flags, `exsync sync` pushes them."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from exsync_tui.sandbox import Sandbox
from tests.sources.helpers import truth_items
from tests.sync.cli_helpers import json_events, run_cli, save_sandbox_profile
from tests.sync.helpers import assert_mail_matches


def _notmuch(env: dict[str, str], *args: str) -> str:
    tool = shutil.which("notmuch")
    if tool is None:
        pytest.fail("notmuch is not installed: run `make deps` (scripts/system-deps installs it)")
    done = subprocess.run([tool, *args], env=env, check=True, timeout=60, capture_output=True,
                          text=True)  # fmt: skip
    return done.stdout


@pytest.mark.system
def test_notmuch_tags_synchronized_to_flags_reach_the_server(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(messages=20, events=0)
    profile = save_sandbox_profile(sb, tmp_path)
    assert run_cli("sync", profile.name).returncode == 0
    config = tmp_path / "notmuch-config"
    config.write_text(
        f"[database]\npath={profile.effective_mail_dir()}\n[new]\ntags=new\n"
        "[maildir]\nsynchronize_flags=true\n"
    )
    env = {**os.environ, "NOTMUCH_CONFIG": str(config)}
    _notmuch(env, "new", "--quiet")
    items = truth_items(sb, "inbox")
    unread = next(i for i, m in sorted(items.items()) if not m["is_read"] and not m["flagged"])
    read = next(i for i, m in sorted(items.items()) if m["is_read"] and i != unread)
    for item_id, tags in ((unread, ("+flagged", "-unread")), (read, ("+unread",))):
        query = f"id:{_bare(items[item_id]['message_id'])}"
        _notmuch(env, "tag", *tags, "--", query)
    synced = run_cli("sync", profile.name, "--json")
    assert synced.returncode == 0, synced.stderr
    pushed = [e for e in json_events(synced.stdout) if e["event"] == "pushed"]
    assert [(e["folder"], e["flags"]) for e in pushed] == [("Inbox", 2)]
    after = truth_items(sb, "inbox")
    assert after[unread]["is_read"] is True and after[unread]["flagged"] is True
    assert after[read]["is_read"] is False
    assert_mail_matches(sb, profile)
    _notmuch(env, "new", "--quiet")  # notmuch sees the same files: the tags stay
    flagged = _notmuch(env, "search", "--output=messages", "tag:flagged")
    assert f"id:{_bare(items[unread]['message_id'])}" in flagged.split()


def _bare(message_id: object) -> str:
    return str(message_id).strip("<>")
