"""SIGKILL at every step of writing a page: after recovery nothing is partial, lost or doubled.

The child (tests/store/kill_child.py) writes one page of messages following the
engine's protocol and kills itself at a chosen point. Then, as the next run would:
recover, check that disk and state agree exactly, rerun to completion, and check
that every message is there once, byte-identical.
"""

from __future__ import annotations

import mailbox
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from exsync_tui.core.store.maildir import MaildirStore
from exsync_tui.core.store.recovery import recover
from exsync_tui.core.store.state import StateDB
from tests.store.kill_child import MOVE_FOLDERS, PAGE, message

REPO = Path(__file__).resolve().parents[2]

POINTS = [
    ("before-pending", 0),
    ("mid-write", 0),
    ("mid-write", 3),
    ("before-rename", 0),
    ("before-rename", 4),
    ("after-rename", 0),
    ("after-rename", 5),
    ("before-sync-dirs", 0),
    ("in-transaction", 0),
    ("in-transaction", 3),
    ("after-commit", 0),
]


def _run(root: Path, state_dir: Path, point: str, k: int) -> int:
    result = subprocess.run(
        [sys.executable, "-m", "tests.store.kill_child", str(root), str(state_dir), point, str(k)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode in (0, -signal.SIGKILL), result.stderr
    return result.returncode


def _files(root: Path) -> dict[str, list[str]]:
    folder = root / "Inbox"
    return {sub: sorted(p.name for p in (folder / sub).iterdir()) for sub in ("tmp", "new", "cur")}


def _assert_consistent(root: Path, state_dir: Path) -> int:
    """Disk and state agree exactly; returns how many items the state holds."""
    with StateDB.open(state_dir) as state:
        maildir = MaildirStore(root)
        recover(state, maildir)
        assert _files(root)["tmp"] == []
        assert state.pending() == []
        on_disk = maildir.messages("Inbox")
        items = state.items("F1")
        assert sorted(on_disk) == sorted(i.base for i in items)
        for item in items:
            number = int(item.item_id.removeprefix("item-"))
            assert on_disk[item.base].path.read_bytes() == message(number)
        folder = state.folder("F1")
        committed = folder is not None and folder.sync_state == "page-1"
        assert len(items) == (PAGE if committed else 0)  # the page is all or nothing
        return len(items)


@pytest.mark.parametrize(("point", "k"), POINTS, ids=[f"{p}-{k}" for p, k in POINTS])
def test_kill_then_rerun_gives_every_message_once(tmp_path: Path, point: str, k: int) -> None:
    root, state_dir = tmp_path / "mail", tmp_path / "state"
    assert _run(root, state_dir, point, k) == -signal.SIGKILL
    _assert_consistent(root, state_dir)

    assert _run(root, state_dir, "none", 0) == 0
    assert _assert_consistent(root, state_dir) == PAGE
    box = mailbox.Maildir(root / "Inbox", factory=None, create=False)
    contents = sorted(box.get_bytes(key) for key in box.iterkeys())
    assert contents == sorted(message(n) for n in range(PAGE))
    before = _files(root)

    assert _run(root, state_dir, "none", 0) == 0  # a no-op run changes nothing
    assert _files(root) == before


MOVE_POINTS = [
    ("move-before-apply", 0),
    *[("move-after-rename", k) for k in range(6)],  # 3 into staging, 3 out of it
    ("move-before-clear", 0),
    ("move-before-finish", 0),
]


def _assert_folders_match_state(root: Path, state_dir: Path) -> dict[str, str]:
    """After recovery every folder is where the state says, with exactly its messages."""
    with StateDB.open(state_dir) as state:
        maildir = MaildirStore(root)
        recover(state, maildir)
        assert not (root / ".%exsync-moving").exists()
        assert state.folder_moves("mail") == {}
        paths = {}
        for folder in state.folders("mail"):
            on_disk = set(maildir.messages(folder.local_path))
            assert on_disk == {item.base for item in state.items(folder.remote_id)}
            assert len(on_disk) == 2
            paths[folder.remote_id] = folder.local_path
        assert sorted(maildir.folders()) == sorted(paths.values())
        return paths


@pytest.mark.parametrize(("point", "k"), MOVE_POINTS, ids=[f"{p}-{k}" for p, k in MOVE_POINTS])
def test_kill_during_folder_moves_then_rerun(tmp_path: Path, point: str, k: int) -> None:
    root, state_dir = tmp_path / "mail", tmp_path / "state"
    assert _run(root, state_dir, point, k) == -signal.SIGKILL
    after = {folder_id: new for folder_id, (_old, new) in MOVE_FOLDERS.items()}
    # The state committed the new paths before any rename: recovery completes the moves.
    assert _assert_folders_match_state(root, state_dir) == after
    assert _run(root, state_dir, "move-none", 0) == 0
    assert _assert_folders_match_state(root, state_dir) == after
