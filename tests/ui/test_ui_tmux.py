"""End to end: the real `exsync demo` in tmux at 80x24, driven with send-keys, read with
capture-pane — add a mailbox by autodiscover, fix the broken one, remove one, quit."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsync_tui.cli.demo import DEMO_MESSAGES
from tests.loopback_guard import child_env

pytestmark = [pytest.mark.system, pytest.mark.tmux]

TMUX = shutil.which("tmux") or "/usr/bin/tmux"
DEADLINE_S = 180.0
"""A guard against a hung app, not a speed test: the whole flow takes about 50 s on a quiet
machine (a 4-mailbox demo, a sync in its own process, two connects) and ran past 60 s at
load average 15."""


class Pane:
    """One tmux session on a private server socket, so no user session is touched."""

    def __init__(self, socket: str, command: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.socket = socket
        # Passed explicitly: a tmux server need not hand its client's environment on.
        variables = [arg for name, value in env.items() for arg in ("-e", f"{name}={value}")]
        self._tmux(
            "new-session", "-d", "-x", "80", "-y", "24", "-s", "e2e", "-c", str(cwd),
            *variables, *command,
        )  # fmt: skip
        self._tmux("set-option", "-t", "e2e", "remain-on-exit", "off")

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            [TMUX, "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        return result.stdout

    def screen(self) -> str:
        """The visible 80x24 screen as text."""
        return self._tmux("capture-pane", "-p", "-t", "e2e")

    def keys(self, *keys: str) -> None:
        """Press tmux key names (Enter, Tab, Escape, C-s, ...)."""
        self._tmux("send-keys", "-t", "e2e", *keys)

    def type(self, text: str) -> None:
        """Type text literally."""
        self._tmux("send-keys", "-t", "e2e", "-l", text)

    def alive(self) -> bool:
        """Whether the program in the pane still runs."""
        result = subprocess.run(
            [TMUX, "-L", self.socket, "has-session", "-t", "e2e"], capture_output=True, check=False
        )
        return result.returncode == 0

    def wait_for(self, pattern: str, *, deadline: float) -> str:
        """Poll the screen until ``pattern`` (a regex) shows; fail at the overall deadline."""
        while True:
            screen = self.screen()
            if re.search(pattern, screen):
                return screen
            if time.monotonic() > deadline or not self.alive():
                raise AssertionError(f"{pattern!r} never appeared; the screen was:\n{screen}")
            time.sleep(0.05)

    def kill(self) -> None:
        """Stop the tmux server of this test."""
        subprocess.run([TMUX, "-L", self.socket, "kill-server"], capture_output=True, check=False)


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    """`exsync demo` running in a fresh tmux server."""
    command = [sys.executable, "-m", "exsync_tui", "demo"]
    # The loopback guard's variables, so the demo in the pane refuses and reports as tests do;
    # TMPDIR so the test can read the demo's (temporary) Maildir.
    (tmp_path / "tmp").mkdir()
    env = {**child_env(), "TMPDIR": str(tmp_path / "tmp")}
    instance = Pane(f"exsync-e2e-{uuid.uuid4().hex[:8]}", command, tmp_path, env)
    yield instance
    instance.kill()


def test_demo_in_tmux_sync_add_fix_remove_quit(pane: Pane, tmp_path: Path) -> None:
    deadline = time.monotonic() + DEADLINE_S
    # At 80 columns the status leaves out "error:" (the detail line below says it in full).
    pane.wait_for(r"branch-office .*✗ private-address-vpn", deadline=deadline)
    # The detail lines are laid out a frame or two after the table's rows: wait for them.
    screen = pane.wait_for(r"Never synced: press s", deadline=deadline)
    assert "alice" in screen and "✓ verified" in screen
    hint = re.search(r"Add \(a\): (\S+@example\.com)\s+password (\S+)", screen)
    assert hint, screen
    email, password = hint.group(1), hint.group(2)

    # Sync alice from the dashboard; the live screen's summary, then the Maildir on disk.
    pane.keys("s")
    screen = pane.wait_for(r"alice: synced: \d+ new", deadline=deadline)
    synced = int(re.search(r"alice: synced: (\d+) new", screen).group(1))  # type: ignore[union-attr]
    maildirs = list((tmp_path / "tmp").glob("exsync-demo-*/data/exsync/alice/mail"))
    assert len(maildirs) == 1, maildirs
    on_disk = [p for p in maildirs[0].rglob("*") if p.is_file() and p.parent.name in ("cur", "new")]
    assert synced >= DEMO_MESSAGES and len(on_disk) == DEMO_MESSAGES  # synced counts events too
    pane.keys("Escape")
    pane.wait_for(r"alice\s+alice@.*✓ synced\s+just now", deadline=deadline)

    # Add a mailbox by autodiscover.
    pane.keys("a")
    pane.wait_for(r"Two-factor sign-in", deadline=deadline)
    pane.type(email)
    pane.wait_for(r"Email\s+" + re.escape(email), deadline=deadline)
    pane.keys("Tab")
    pane.type(password)
    pane.wait_for("•" * len(password), deadline=deadline)
    pane.keys("Enter")
    # The steps stay on screen after success, until enter leads back. (The status line, with
    # the name: a "connected and saved" toast of an earlier connect may still be showing.)
    pane.wait_for(r"✓ bob: connected and saved\. Enter", deadline=deadline)
    pane.keys("Enter")
    pane.wait_for(r"bob\s+bob@.*✓ verified", deadline=deadline)

    # The broken mailbox: its error help, then the fix in advanced settings.
    pane.keys("Down")
    pane.wait_for(r"branch-office · carol", deadline=deadline)
    pane.keys("e")
    pane.wait_for(r"Edit the mailbox 'branch-office'", deadline=deadline)
    pane.keys("C-s")
    pane.wait_for(r"internal network \(VPN needed\)", deadline=deadline)
    pane.keys("f")
    pane.wait_for(r"Usually your Windows login", deadline=deadline)
    pane.wait_for(r"Server\s+branch\.example\.com", deadline=deadline)
    pane.keys("Home", "C-k")
    pane.wait_for(r"Server\s+e\.g\. mail\.example\.com", deadline=deadline)  # emptied
    pane.type("mail.example.com")
    pane.wait_for(r"✓ https://mail\.example\.com/EWS/Exchange\.asmx", deadline=deadline)
    pane.keys("C-s")  # saving the fix connects again at once
    pane.wait_for(r"✓ branch-office: connected and saved\. Enter", deadline=deadline)
    pane.keys("Enter")
    pane.wait_for(r"branch-office\s+carol@.*✓ verified", deadline=deadline)

    # Remove bob, purging his data and password (dave's row comes before his).
    pane.keys("Down", "Down")
    pane.wait_for(r"bob · bob@example\.com", deadline=deadline)
    pane.keys("x")
    pane.wait_for(r"Remove the mailbox 'bob'", deadline=deadline)
    pane.keys("BTab")
    pane.keys("Space")
    pane.wait_for(r"▐X▌ Also delete", deadline=deadline)  # ticked, readable without colour
    pane.keys("Tab")
    pane.keys("Tab")
    pane.keys("Enter")
    pane.wait_for(r"Removed bob with", deadline=deadline)  # "... its local data and password"
    pane.wait_for(r"(?m)\A(?![\s\S]*^ bob\s)", deadline=deadline)  # bob's row is gone

    pane.keys("q")
    while pane.alive():
        assert time.monotonic() < deadline, "exsync did not quit"
        time.sleep(0.05)
