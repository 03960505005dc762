"""Kill -9 at every crash point of a send and of a flush, through EWS and through Microsoft
Graph; after a rerun, each message went once.

The crash run is the real `exsync send` (or `exsync sync`; through Graph,
tests/graph/send_child.py) in a child process that SIGKILLs itself at the N-th pass
of a named point (``EXSYNC_CRASH_AT``, see
:data:`exsync_tui.core.send.deliver.SEND_POINTS`). A mail client that saw its
sendmail die tries again with the same message; so the rerun is that retry, then
a flush. Afterwards the sandbox's outbox must hold every message exactly once,
no message may wait in the queue, and no temporary file may be left. A case whose
process was not killed fails, so every case listed is a real crash.
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from exsync_tui.core.profiles import Config, Profile, save_config
from exsync_tui.core.send.deliver import SEND_POINTS, Sender, ews_sender
from exsync_tui.core.send.outgoing import prepare
from exsync_tui.core.send.queue import QUEUED, SENDING, SendQueue
from exsync_tui.core.sources.graph_send import graph_sender_factory
from exsync_tui.core.sync import crashpoints
from exsync_tui.sandbox import Sandbox
from tests.forked import run_forked
from tests.graph import send_child
from tests.graph.helpers import ControlTokens, graph_profile
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
# Through Graph, the `exsync send` cases: the sync's flush before it syncs is the same flush.
GRAPH_AND_EWS_FLUSH_CASES = [
    pytest.param(source, *case, id="-".join((source, *map(str, case))))
    for source in ("ews", "graph")
    for case in FLUSH_CASES
    if source == "ews" or case[0] == "send"
]


def test_there_are_at_least_twenty_crash_cases_of_a_send_and_of_a_flush() -> None:
    assert len(SEND_CASES) + len(DOWN_CASES) + len(RETRY_KILLED) >= 20
    assert len(FLUSH_CASES) >= 20
    assert sum(1 for case in GRAPH_AND_EWS_FLUSH_CASES if case.values[0] == "graph") >= 19
    used = {p for p, _ in SEND_CASES} | set(DOWN_CASES) | {p for _, p, _ in FLUSH_CASES}
    assert used == set(SEND_POINTS)


SOURCES = ["ews", "graph"]
_SEND_FAULT = {"ews": "drop*100/CreateItem", "graph": "drop*100/GraphSendMail"}


def _send(
    source: str, sb: Sandbox, profile: Profile, *args: str, stdin: bytes = b"",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """`exsync send ARGS` of ``profile``, through ``source``."""
    if source == "ews":
        return run_send(*args, stdin=stdin, env=env)
    done = run_forked(send_child.main, profile.name, sb.info.control_url, sb.info.graph_url,
                      *args, stdin=stdin, env=env)  # fmt: skip
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def _killed(
    source: str, sb: Sandbox, profile: Profile, *args: str, stdin: bytes = b"", point: str,
    hit: int = 1,
) -> None:  # fmt: skip
    env = {crashpoints.ENV: f"{point}:{hit}"}
    if args[0] == "sync":
        done = run_cli(*args, env=env)
    else:
        done = _send(source, sb, profile, *args, stdin=stdin, env=env)
    assert done.returncode == -signal.SIGKILL, (
        f"{point}:{hit} was not reached (exit {done.returncode}): {done.stderr[-300:]}"
    )


def _assert_each_once(sb: Sandbox, profile: Profile, subjects: list[str]) -> None:
    counted = Counter(str(m["message"]["Subject"]) for m in sent(sb))
    assert counted == Counter(subjects)
    assert SendQueue.of(profile).entries() == []
    assert queue_files(profile) == []  # no half-written file either


def _setup(
    source: str, fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> tuple[Sandbox, Profile]:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    if source == "ews":
        [profile] = save_profiles(sb, tmp_path, 1)
    else:
        profile = graph_profile(sb)
        save_config(Config(profiles={profile.name: profile}))
    return sb, profile


@pytest.mark.parametrize(("point", "with_id"), SEND_CASES)
@pytest.mark.parametrize("source", SOURCES)
def test_killed_while_sending_then_retried(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, source: str, point: str, with_id: bool
) -> None:
    sb, profile = _setup(source, fresh_sandbox, tmp_path)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    raw = message("Crash", me, friend, message_id="<crash.1@x.test>" if with_id else None)
    _killed(source, sb, profile, friend, stdin=raw, point=point)
    retry = _send(source, sb, profile, friend, stdin=raw)
    assert retry.returncode == 0, retry.stderr
    assert _send(source, sb, profile, "--flush").returncode == 0
    _assert_each_once(sb, profile, ["Crash"])


@pytest.mark.parametrize("point", DOWN_CASES)
@pytest.mark.parametrize("source", SOURCES)
def test_killed_while_queueing_for_a_silent_server(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, source: str, point: str
) -> None:
    sb, profile = _setup(source, fresh_sandbox, tmp_path)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    raw = message("Down", me, friend, message_id="<down.1@x.test>")
    sb.control.inject_fault(_SEND_FAULT[source])
    _killed(source, sb, profile, friend, stdin=raw, point=point)
    retry = _send(source, sb, profile, friend, stdin=raw)
    assert retry.returncode == 0 and "queued" in retry.stderr, retry.stderr
    sb.control.clear_faults()
    assert _send(source, sb, profile, "--flush").returncode == 0
    _assert_each_once(sb, profile, ["Down"])


@pytest.mark.parametrize(("first", "second"), RETRY_KILLED)
@pytest.mark.parametrize("source", SOURCES)
def test_the_retry_killed_too(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, source: str, first: str, second: str
) -> None:
    sb, profile = _setup(source, fresh_sandbox, tmp_path)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    raw = message("Twice killed", me, friend)
    _killed(source, sb, profile, friend, stdin=raw, point=first)
    _killed(source, sb, profile, friend, stdin=raw, point=second)
    assert _send(source, sb, profile, friend, stdin=raw).returncode == 0
    _assert_each_once(sb, profile, ["Twice killed"])


def _fill_queue(sb: Sandbox, profile: Profile, sender: Sender) -> dict[str, bytes]:
    """Five entries, oldest first: A sent (with ``sender``) before its process died, B-D
    queued (B without a Message-ID), E left by a process that died before sending.
    Returns A's and E's input."""
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    queue = SendQueue.of(profile)
    raws = {s: message(s, me, friend, message_id=None if s == "B" else f"<{s}@x.test>")
            for s in "ABCDE"}  # fmt: skip
    try:
        for subject, raw in raws.items():
            outgoing = prepare(raw, [friend], from_headers=False)
            if subject == "A":
                sender.send(outgoing.mime, outgoing.bcc)
            queue.add(outgoing, SENDING if subject in "AE" else QUEUED)
    finally:
        sender.close()
    return {s: raws[s] for s in "AE"}


def _sender(source: str, sb: Sandbox, profile: Profile) -> Sender:
    if source == "ews":
        return ews_sender(profile, sb.info.users[0].password, threading.Event())
    return graph_sender_factory(ControlTokens(sb), sb.info.graph_url)(
        profile, "", threading.Event()
    )


@pytest.mark.parametrize(("source", "command", "point", "hit"), GRAPH_AND_EWS_FLUSH_CASES)
def test_killed_while_flushing(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, source: str, command: str,
    point: str, hit: int,
) -> None:  # fmt: skip
    sb, profile = _setup(source, fresh_sandbox, tmp_path)
    untold = _fill_queue(sb, profile, _sender(source, sb, profile))
    friend = sb.info.users[1].email
    args = ("sync", "user0") if command == "sync" else ("--flush",)
    _killed(source, sb, profile, *args, point=point, hit=hit)
    flushed = _send(source, sb, profile, "--flush")
    assert flushed.returncode == 0, flushed.stderr
    for raw in untold.values():  # their mail clients saw sendmail die, and try again
        retry = _send(source, sb, profile, friend, stdin=raw)
        assert retry.returncode == 0, retry.stderr
    _assert_each_once(sb, profile, list("ABCDE"))
