"""Kill -9 at every crash point of a send and of a flush through Graph; after a rerun, each
message went once. The cases and checks of tests/send/test_send_crash.py, with the send in
a child process (tests/graph/send_child) that uses the Graph sender."""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Callable

import pytest

from exsync_tui.core.profiles import Config, Profile, save_config
from exsync_tui.core.sources.graph_send import graph_sender_factory
from exsync_tui.core.sync import crashpoints
from exsync_tui.sandbox import Sandbox
from tests.forked import run_forked
from tests.graph import send_child
from tests.graph.helpers import ControlTokens, graph_profile
from tests.send.helpers import message
from tests.send.test_send_crash import (
    DOWN_CASES,
    FLUSH_CASES,
    RETRY_KILLED,
    SEND_CASES,
    _assert_each_once,
    _fill_queue,
)

GRAPH_FLUSH_CASES = [(point, hit) for command, point, hit in FLUSH_CASES if command == "send"]


def test_there_are_at_least_twenty_crash_cases_of_a_send_and_of_a_flush() -> None:
    assert len(SEND_CASES) + len(DOWN_CASES) + len(RETRY_KILLED) >= 20
    assert len(GRAPH_FLUSH_CASES) >= 19


def _send(
    sb: Sandbox, profile: Profile, *args: str, stdin: bytes = b"", crash: str | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = {crashpoints.ENV: crash} if crash else None
    return run_forked(send_child.main, profile.name, sb.info.control_url, sb.info.graph_url,
                      *args, stdin=stdin, env=env)  # fmt: skip


def _killed(sb: Sandbox, profile: Profile, *args: str, stdin: bytes = b"", point: str,
            hit: int = 1) -> None:  # fmt: skip
    done = _send(sb, profile, *args, stdin=stdin, crash=f"{point}:{hit}")
    assert done.returncode == -signal.SIGKILL, (
        f"{point}:{hit} was not reached (exit {done.returncode}): {done.stderr[-300:]!r}"
    )


def _setup(fresh_sandbox: Callable[..., Sandbox]) -> tuple[Sandbox, Profile]:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    profile = graph_profile(sb)
    save_config(Config(profiles={profile.name: profile}))
    return sb, profile


@pytest.mark.parametrize(("point", "with_id"), SEND_CASES)
def test_killed_while_sending_through_graph_then_retried(
    fresh_sandbox: Callable[..., Sandbox], point: str, with_id: bool
) -> None:
    sb, profile = _setup(fresh_sandbox)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    raw = message("Crash", me, friend, message_id="<crash.1@x.test>" if with_id else None)
    _killed(sb, profile, friend, stdin=raw, point=point)
    assert _send(sb, profile, friend, stdin=raw).returncode == 0
    assert _send(sb, profile, "--flush").returncode == 0
    _assert_each_once(sb, profile, ["Crash"])


@pytest.mark.parametrize("point", DOWN_CASES)
def test_killed_while_queueing_for_a_silent_graph(
    fresh_sandbox: Callable[..., Sandbox], point: str
) -> None:
    sb, profile = _setup(fresh_sandbox)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    raw = message("Down", me, friend, message_id="<down.1@x.test>")
    sb.control.inject_fault("drop*100/GraphSendMail")
    _killed(sb, profile, friend, stdin=raw, point=point)
    retry = _send(sb, profile, friend, stdin=raw)
    assert retry.returncode == 0 and b"queued" in retry.stderr, retry.stderr
    sb.control.clear_faults()
    assert _send(sb, profile, "--flush").returncode == 0
    _assert_each_once(sb, profile, ["Down"])


@pytest.mark.parametrize(("first", "second"), RETRY_KILLED)
def test_the_retry_through_graph_killed_too(
    fresh_sandbox: Callable[..., Sandbox], first: str, second: str
) -> None:
    sb, profile = _setup(fresh_sandbox)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    raw = message("Twice killed", me, friend)
    _killed(sb, profile, friend, stdin=raw, point=first)
    _killed(sb, profile, friend, stdin=raw, point=second)
    assert _send(sb, profile, friend, stdin=raw).returncode == 0
    _assert_each_once(sb, profile, ["Twice killed"])


@pytest.mark.parametrize(("point", "hit"), GRAPH_FLUSH_CASES)
def test_killed_while_flushing_through_graph(
    fresh_sandbox: Callable[..., Sandbox], point: str, hit: int
) -> None:
    sb, profile = _setup(fresh_sandbox)
    factory = graph_sender_factory(ControlTokens(sb), sb.info.graph_url)
    untold = _fill_queue(sb, profile, factory(profile, "", threading.Event()))
    friend = sb.info.users[1].email
    _killed(sb, profile, "--flush", point=point, hit=hit)
    flushed = _send(sb, profile, "--flush")
    assert flushed.returncode == 0, flushed.stderr
    for raw in untold.values():  # their mail clients saw sendmail die, and try again
        assert _send(sb, profile, friend, stdin=raw).returncode == 0
    _assert_each_once(sb, profile, list("ABCDE"))
