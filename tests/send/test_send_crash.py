"""Kill -9 at every crash point of a send and of a flush; after a rerun, each message went once.

The crash run is the real `exsync send` (or `exsync sync`) in a child process that
SIGKILLs itself at the N-th pass of a named point (``EXSYNC_CRASH_AT``, see
:data:`exsync_tui.core.send.deliver.SEND_POINTS`). A mail client that saw its
sendmail die tries again with the same message; so the rerun is that retry, then
a flush. Afterwards the sandbox's outbox must hold every message exactly once,
no message may wait in the queue, and no temporary file may be left. A case whose
process was not killed fails, so every case listed is a real crash.
"""

from __future__ import annotations

import signal
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from exsync_tui.core.profiles import Profile
from exsync_tui.core.send.deliver import SEND_POINTS, Sender, ews_sender
from exsync_tui.core.send.outgoing import prepare
from exsync_tui.core.send.queue import QUEUED, SENDING, SendQueue
from exsync_tui.core.sync import crashpoints
from exsync_tui.sandbox import Sandbox
from tests.send.helpers import message, queue_files, run_send, save_profiles, sent
from tests.sync.cli_helpers import run_cli

_SEND = ("send-locked", "send-after-queue", "send-before-lookup", "send-before-create",
         "send-after-create", "send-after-mark")  # fmt: skip
SEND_CASES = [(p, with_id) for p in _SEND for with_id in (True, False)]
DOWN_CASES = ["send-after-queue", "send-before-create", "send-after-requeue"]
RETRY_KILLED = [  # (where the first run died, where its retry died)
    ("send-after-create", "send-locked"),
    ("send-after-create", "send-before-lookup"),
    ("send-after-create", "send-after-mark"),
    ("send-before-create", "send-before-create"),
    ("send-before-create", "send-after-create"),
]
# Five entries (see _fill_queue): five lookups, four sends, five entries done.
FLUSH_CASES = (
    [("send", "flush-locked", 1)]
    + [("send", "flush-before-lookup", n) for n in range(1, 6)]
    + [("send", "flush-before-create", n) for n in range(1, 5)]
    + [("send", "flush-after-create", n) for n in range(1, 5)]
    + [("send", "flush-after-done", n) for n in range(1, 6)]
    + [("sync", "flush-after-create", 2), ("sync", "flush-after-done", 5)]
)


def test_there_are_at_least_twenty_crash_cases_of_a_send_and_of_a_flush() -> None:
    assert len(SEND_CASES) + len(DOWN_CASES) + len(RETRY_KILLED) >= 20
    assert len(FLUSH_CASES) >= 20
    used = {p for p, _ in SEND_CASES} | set(DOWN_CASES) | {p for _, p, _ in FLUSH_CASES}
    assert used == set(SEND_POINTS)


def _killed(*args: str, stdin: bytes = b"", point: str, hit: int = 1) -> None:
    env = {crashpoints.ENV: f"{point}:{hit}"}
    done = run_cli(*args, env=env) if args[0] == "sync" else run_send(*args, stdin=stdin, env=env)
    assert done.returncode == -signal.SIGKILL, (
        f"{point}:{hit} was not reached (exit {done.returncode}): {done.stderr[-300:]}"
    )


def _assert_each_once(sb: Sandbox, profile: Profile, subjects: list[str]) -> None:
    counted = Counter(str(m["message"]["Subject"]) for m in sent(sb))
    assert counted == Counter(subjects)
    assert SendQueue.of(profile).entries() == []
    assert queue_files(profile) == []  # no half-written file either


def _setup(fresh_sandbox: Callable[..., Sandbox], tmp_path: Path) -> tuple[Sandbox, Profile]:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    [profile] = save_profiles(sb, tmp_path, 1)
    return sb, profile


@pytest.mark.parametrize(("point", "with_id"), SEND_CASES)
def test_killed_while_sending_then_retried(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, point: str, with_id: bool
) -> None:
    sb, profile = _setup(fresh_sandbox, tmp_path)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    raw = message("Crash", me, friend, message_id="<crash.1@x.test>" if with_id else None)
    _killed(friend, stdin=raw, point=point)
    retry = run_send(friend, stdin=raw)
    assert retry.returncode == 0, retry.stderr
    assert run_send("--flush").returncode == 0
    _assert_each_once(sb, profile, ["Crash"])


@pytest.mark.parametrize("point", DOWN_CASES)
def test_killed_while_queueing_for_a_silent_server(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, point: str
) -> None:
    sb, profile = _setup(fresh_sandbox, tmp_path)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    raw = message("Down", me, friend, message_id="<down.1@x.test>")
    sb.control.inject_fault("drop*100/CreateItem")
    _killed(friend, stdin=raw, point=point)
    retry = run_send(friend, stdin=raw)
    assert retry.returncode == 0 and "queued" in retry.stderr, retry.stderr
    sb.control.clear_faults()
    assert run_send("--flush").returncode == 0
    _assert_each_once(sb, profile, ["Down"])


@pytest.mark.parametrize(("first", "second"), RETRY_KILLED)
def test_the_retry_killed_too(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, first: str, second: str
) -> None:
    sb, profile = _setup(fresh_sandbox, tmp_path)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    raw = message("Twice killed", me, friend)
    _killed(friend, stdin=raw, point=first)
    _killed(friend, stdin=raw, point=second)
    assert run_send(friend, stdin=raw).returncode == 0
    _assert_each_once(sb, profile, ["Twice killed"])


def _fill_queue(sb: Sandbox, profile: Profile, sender: Sender | None = None) -> dict[str, bytes]:
    """Five entries, oldest first: A sent before its process died, B-D queued (B without a
    Message-ID), E left by a process that died before sending. Returns A's and E's input.
    A is sent with ``sender`` (the EWS sender of the profile when None)."""
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    queue = SendQueue.of(profile)
    raws = {s: message(s, me, friend, message_id=None if s == "B" else f"<{s}@x.test>")
            for s in "ABCDE"}  # fmt: skip
    sender = sender or ews_sender(profile, sb.info.users[0].password, threading.Event())
    try:
        for subject, raw in raws.items():
            outgoing = prepare(raw, [friend], from_headers=False)
            if subject == "A":
                sender.send(outgoing.mime, outgoing.bcc)
            queue.add(outgoing, SENDING if subject in "AE" else QUEUED)
    finally:
        sender.close()
    return {s: raws[s] for s in "AE"}


@pytest.mark.parametrize(("command", "point", "hit"), FLUSH_CASES)
def test_killed_while_flushing(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, command: str, point: str, hit: int
) -> None:
    sb, profile = _setup(fresh_sandbox, tmp_path)
    untold = _fill_queue(sb, profile)
    friend = sb.info.users[1].email
    _killed(*(("sync", "user0") if command == "sync" else ("--flush",)), point=point, hit=hit)
    flushed = run_send("--flush")
    assert flushed.returncode == 0, flushed.stderr
    for raw in untold.values():  # their mail clients saw sendmail die, and try again
        retry = run_send(friend, stdin=raw)
        assert retry.returncode == 0, retry.stderr
    _assert_each_once(sb, profile, list("ABCDE"))
