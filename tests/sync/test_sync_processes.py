"""A process per mailbox: its death, its cancel, its events, its secrets, and its parent's death.

Every case runs real child processes against the sandbox. Where a test needs the
child caught mid-folder, the sandbox hangs a GetItem (``hang*1/GetItem``), so
the child is known to be inside a folder's sync when the test acts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from exsync_tui.core.profiles import Profile
from exsync_tui.core.sync.engine import SyncResult, options_for, sync_profile
from exsync_tui.core.sync.events import FolderDone, FolderStarted, MailboxDone, SyncEvent
from exsync_tui.core.sync.runner import DIED_TOPIC, SYNC_NICENESS, Job, SyncRun
from exsync_tui.sandbox import Sandbox
from tests.child_guard.loopback_refusal import VIOLATIONS_FILE_ENV
from tests.loopback_guard import CHILD_GUARD_DIR
from tests.sync.cli_helpers import save_sandbox_profile
from tests.sync.helpers import assert_mail_matches, profile_for, run_sync

_PATIENCE_S = 30.0
"""How long a test waits for something that should take about a second (a loaded machine)."""


def _hung_get_item(sb: Sandbox) -> dict[str, Any]:
    """Wait until the sandbox holds a GetItem hanging; its log entry (``user``: whose)."""

    def hung(entry: dict[str, Any]) -> bool:
        return entry.get("operation") == "GetItem" and entry.get("action") == "hang"

    assert sb.control.wait_for_request(hung, _PATIENCE_S)
    return next(e for e in sb.control.request_log() if hung(e))


def _waiting(run: SyncRun) -> tuple[threading.Thread, list[dict[str, SyncResult]]]:
    results: list[dict[str, SyncResult]] = []
    waiter = threading.Thread(target=lambda: results.append(run.wait()), daemon=True)
    waiter.start()
    return waiter, results


def _gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie no one reaped has exited too)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def _until(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + _PATIENCE_S
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _job(sb: Sandbox, profile: Profile, user: int = 0) -> Job:
    return Job(profile, sb.info.users[user].password, options_for(profile))


def test_a_killed_child_is_a_failed_result_with_its_topic_and_the_other_goes_on(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(users=2, messages=12, events=0)
    profiles = [profile_for(sb, user) for user in range(2)]
    sb.control.inject_fault("hang*1/GetItem")
    events: list[SyncEvent] = []
    run = SyncRun([_job(sb, p, user) for user, p in enumerate(profiles)], events.append).start()
    hung_user = next(
        i for i, u in enumerate(sb.info.users) if u.email == _hung_get_item(sb)["user"]
    )
    victim, survivor = profiles[hung_user].name, profiles[1 - hung_user].name

    os.kill(run.child_pids()[victim], signal.SIGKILL)
    results = run.wait()

    assert results[victim].topic == DIED_TOPIC and not results[victim].ok
    assert "SIGKILL" in results[victim].detail
    assert results[survivor].ok, results[survivor]
    assert_mail_matches(sb, profiles[1 - hung_user], 1 - hung_user)
    done = {e.profile: e for e in events if isinstance(e, MailboxDone)}
    assert done[victim].topic == DIED_TOPIC and done[survivor].ok
    sb.control.clear_faults()
    again, _ = run_sync(sb, profiles[hung_user], hung_user)
    assert again.ok, again
    assert_mail_matches(sb, profiles[hung_user], hung_user)


def test_cancel_reaches_the_child_mid_folder_and_the_next_run_resumes(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=12, events=0)
    profile = profile_for(sb)
    sb.control.inject_fault("hang*1/GetItem")
    events: list[SyncEvent] = []
    run = SyncRun([_job(sb, profile)], events.append).start()
    _hung_get_item(sb)
    waiter, results = _waiting(run)

    run.stop()
    waiter.join(_PATIENCE_S)

    assert not waiter.is_alive()
    assert results[0][profile.name].topic == "cancelled"
    started = {e.folder for e in events if isinstance(e, FolderStarted)}
    finished = {e.folder for e in events if isinstance(e, FolderDone) and not e.stopped}
    assert started - finished, "the cancel came after every folder was done"
    sb.control.clear_faults()
    resumed, _ = run_sync(sb, profile)
    assert resumed.ok, resumed
    assert_mail_matches(sb, profile)


def test_the_child_has_no_password_in_argv_or_environment_the_guard_and_a_lower_priority(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=4, events=0)
    profile = profile_for(sb)
    password = sb.info.users[0].password.encode()
    sb.control.inject_fault("hang*1/GetItem")
    run = SyncRun([_job(sb, profile)], lambda _event: None).start()
    _hung_get_item(sb)  # the child has read its order and is signed in
    pid = run.child_pids()[profile.name]
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        niceness = os.getpriority(os.PRIO_PROCESS, pid)
    finally:
        run.stop()
        run.wait()
    assert b"exsync_tui.core.sync.child" in cmdline  # it is the child that was read
    assert environ  # and its environment could be read
    assert password not in cmdline and password not in environ
    variables = dict(v.split(b"=", 1) for v in environ.split(b"\0") if b"=" in v)
    assert CHILD_GUARD_DIR.encode() in variables[b"PYTHONPATH"]  # the loopback guard is on
    assert VIOLATIONS_FILE_ENV.encode() in variables
    assert niceness == min(os.getpriority(os.PRIO_PROCESS, 0) + SYNC_NICENESS, 19)


def test_the_child_sends_exactly_the_events_an_in_process_sync_makes(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=25, events=3)
    here, there = profile_for(sb, name="here"), profile_for(sb, name="there")
    in_process: list[SyncEvent] = []
    assert sync_profile(here, sb.info.users[0].password, emit=in_process.append).ok
    from_child: list[SyncEvent] = []

    result = SyncRun([_job(sb, there)], from_child.append).start().wait()["there"]

    assert result.ok, result

    def same_run(events: list[SyncEvent]) -> list[SyncEvent]:
        timeless = (replace(e, elapsed_s=0.0) if isinstance(e, MailboxDone) else e for e in events)
        return [replace(e, profile="p") for e in timeless]

    assert same_run(from_child) == same_run(in_process)
    assert {type(e) for e in from_child} >= {FolderStarted, FolderDone, MailboxDone}


def test_killing_exsync_sync_leaves_no_child_syncing(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(messages=12, events=0)
    profile = save_sandbox_profile(sb, tmp_path)
    sb.control.inject_fault("hang*1/GetItem")
    parent = subprocess.Popen(
        [sys.executable, "-m", "exsync_tui", "sync", profile.name],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _hung_get_item(sb)
        children = _children_of(parent.pid)
        assert len(children) == 1, children
        parent.kill()
        parent.wait()
        assert _until(lambda: _gone(children[0])), "the sync process outlived exsync sync"
    finally:
        parent.kill()
        parent.wait()
    sb.control.clear_faults()
    after, _ = run_sync(sb, profile)  # and its lock is free again
    assert after.ok, after
    assert_mail_matches(sb, profile)


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text("ascii")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found
