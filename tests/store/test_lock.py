"""One sync per profile: the flock, and its release when the holder is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from exsync_tui.core.store.lock import ProfileLock, SyncLocked

HOLDER = """
import sys, time
from pathlib import Path
from exsync_tui.core.store.lock import ProfileLock
lock = ProfileLock(Path(sys.argv[1]))
lock.acquire()
print("held", flush=True)
sys.stdin.read()  # hold until killed
"""


def test_a_second_holder_is_told_who_has_it(tmp_path: Path) -> None:
    with ProfileLock(tmp_path / "state") as first:
        assert first.held
        with pytest.raises(SyncLocked, match=f"process {os.getpid()}") as caught:
            ProfileLock(tmp_path / "state").acquire()
        assert caught.value.holder == os.getpid()
    # released: the next one gets it
    again = ProfileLock(tmp_path / "state")
    again.acquire()
    assert again.held
    again.release()
    assert not again.held


def test_a_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(SyncLocked) as caught:
            ProfileLock(state_dir).acquire()
        assert caught.value.holder == child.pid
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with ProfileLock(state_dir) as lock:
        assert lock.held
