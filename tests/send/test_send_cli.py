"""`exsync send` against the sandbox, through the real command in a child process."""

from __future__ import annotations

import dataclasses
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from exsync_tui.core.send.failures import (
    EX_DATAERR,
    EX_NOPERM,
    EX_NOUSER,
    EX_TEMPFAIL,
    EX_USAGE,
)
from exsync_tui.core.send.outgoing import prepare
from exsync_tui.core.send.queue import QUEUED, SendQueue
from exsync_tui.sandbox import Sandbox, SandboxConfig
from tests.send.helpers import message, queue_files, run_send, save_profiles, sent, sent_items
from tests.sync.cli_helpers import json_events, run_cli

OUTSIDER = "hidden@elsewhere.example"


def test_sends_to_the_arguments_and_keeps_a_copy_in_sent_items(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    [profile] = save_profiles(sb, tmp_path, 1)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    raw = message("Hello", me, friend, message_id="<hello.1@example.test>")
    done = run_send("-oi", "--", friend, stdin=raw)
    assert done.returncode == 0, done.stderr
    [out] = sent(sb)
    assert out["recipients"] == [friend]
    assert out["message"]["Message-ID"] == "<hello.1@example.test>"
    copies = [m for m in sent_items(sb) if m["Message-ID"] == "<hello.1@example.test>"]
    assert len(copies) == 1 and copies[0]["Subject"] == "Hello"
    assert queue_files(profile) == []


def test_bcc_reaches_its_recipient_and_shows_nowhere(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=3, messages=1, events=0)
    save_profiles(sb, tmp_path, 1)
    me, friend, other = (u.email for u in sb.info.users)
    raw = message("Secret copy", me, friend, cc=other, bcc=OUTSIDER, message_id="<bcc.1@x.test>")
    assert b"Bcc: " + OUTSIDER.encode() in raw
    done = run_send("-t", "-i", stdin=raw)
    assert done.returncode == 0, done.stderr
    [out] = sent(sb)
    assert out["recipients"] == sorted([friend, other, OUTSIDER])
    assert out["message"]["Bcc"] is None and out["message"]["Cc"] == other
    [copy] = [m for m in sent_items(sb) if m["Message-ID"] == "<bcc.1@x.test>"]
    assert copy["Bcc"] is None and OUTSIDER not in copy.as_string()


def test_an_argument_missing_from_the_headers_is_sent_as_bcc(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    save_profiles(sb, tmp_path, 1)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    done = run_send(friend, OUTSIDER, stdin=message("Two envelopes", me, friend))
    assert done.returncode == 0, done.stderr
    [out] = sent(sb)
    assert out["recipients"] == sorted([friend, OUTSIDER])
    assert OUTSIDER not in out["message"].as_string()


def test_the_profile_is_chosen_by_the_from_address(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    save_profiles(sb, tmp_path, 2)
    first, second = sb.info.users[0].email, sb.info.users[1].email
    done = run_send(first, stdin=message("From the second", second.upper(), first))
    assert done.returncode == 0, done.stderr
    assert [m["message"]["Subject"] for m in sent(sb, user=1)] == ["From the second"]
    assert sent(sb, user=0) == []
    by_flag = run_send("-f", first, first, stdin=message("Chosen by -f", second, first))
    assert by_flag.returncode == 0, by_flag.stderr
    assert [m["message"]["Subject"] for m in sent(sb, user=0)] == ["Chosen by -f"]


def test_no_matching_profile_names_the_choices(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    save_profiles(sb, tmp_path, 2)
    friend = sb.info.users[1].email
    done = run_send(friend, stdin=message("Nobody", "stranger@example.net", friend))
    assert done.returncode == EX_USAGE
    assert "stranger@example.net" in done.stderr
    assert "user0 (" in done.stderr and "user1 (" in done.stderr
    unknown = run_send("--profile", "nope", friend, stdin=message("x", friend, friend))
    assert unknown.returncode == EX_USAGE and "user0" in unknown.stderr
    assert sent(sb, 0) == [] and sent(sb, 1) == []


def test_what_is_not_a_message_or_an_address_is_refused(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    [profile] = save_profiles(sb, tmp_path, 1)
    friend = sb.info.users[1].email
    empty = run_send(friend, stdin=b"")
    assert empty.returncode == EX_DATAERR and "empty" in empty.stderr
    garbage = run_send(friend, stdin=b"\x00\x01 not mail at all\n")
    assert garbage.returncode == EX_DATAERR and "not a header line" in garbage.stderr
    bad = run_send("not-an-address", stdin=message("x", sb.info.users[0].email, friend))
    assert bad.returncode == EX_NOUSER and "not-an-address" in bad.stderr
    nobody = run_send(stdin=message("x", sb.info.users[0].email, friend))
    assert nobody.returncode == EX_USAGE and "-t" in nobody.stderr
    assert sent(sb) == [] and queue_files(profile) == []


def test_a_wrong_password_is_not_queued_and_names_its_help_topic(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    [profile] = save_profiles(sb, tmp_path, 1)
    (tmp_path / "password-0").write_text("not the password\n")
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    done = run_send(friend, stdin=message("Refused", me, friend))
    assert done.returncode == EX_NOPERM
    assert "credentials-rejected" in done.stderr and "exsync diagnose user0" in done.stderr
    assert sent(sb) == [] and queue_files(profile) == []


def test_a_silent_server_queues_the_message_and_a_flush_sends_it_once(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    [profile] = save_profiles(sb, tmp_path, 1)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    sb.control.inject_fault("drop*100/CreateItem")
    done = run_send(friend, stdin=message("Later", me, friend, message_id="<later.1@x.test>"))
    assert done.returncode == 0, done.stderr
    assert "queued <later.1@x.test>" in done.stderr and "server-silent" in done.stderr
    [entry] = queue_files(profile)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    listed = run_send("--queue")
    assert "<later.1@x.test>" in listed.stdout and friend in listed.stdout
    assert sent(sb) == []
    sb.control.clear_faults()
    flushed = run_send("--flush", "--profile", "user0")
    assert flushed.returncode == 0, flushed.stderr
    assert [m["message"]["Message-ID"] for m in sent(sb)] == ["<later.1@x.test>"]
    assert queue_files(profile) == [] and run_send("--queue").stdout == ""
    again = run_send("--flush")
    assert again.returncode == 0 and len(sent(sb)) == 1


def test_a_stopped_server_queues_and_the_next_sync_sends_first(tmp_path: Path) -> None:
    config = SandboxConfig(users=2, messages=1, events=0, state_dir=str(tmp_path / "server"))
    sb = Sandbox(config).start()
    try:
        [profile] = save_profiles(sb, tmp_path, 1)
        me, friend = sb.info.users[0].email, sb.info.users[1].email
    finally:
        sb.stop()
    done = run_send(friend, stdin=message("Offline", me, friend, message_id="<off.1@x.test>"))
    assert done.returncode == 0, done.stderr
    assert "connection-refused" in done.stderr and len(queue_files(profile)) == 1
    same_ports = dataclasses.replace(
        config, port=sb.info.port, http_port=sb.info.http_port, dns_port=sb.info.dns_port
    )
    back = Sandbox(same_ports).start()
    try:
        synced = run_cli("sync", "user0", "--json")
        assert synced.returncode == 0, synced.stderr
        flushed = [e for e in json_events(synced.stdout) if e["event"] == "queue-flushed"]
        assert flushed == [
            {"event": "queue-flushed", "profile": "user0", "sent": 1, "already_sent": 0,
             "remaining": 0}
        ]  # fmt: skip
        assert [m["message"]["Message-ID"] for m in sent(back)] == ["<off.1@x.test>"]
        local = [p.read_bytes() for p in profile.effective_mail_dir().rglob("cur/*")]
        assert sum(b"Message-ID: <off.1@x.test>" in m for m in local) == 1  # its Sent copy
        assert queue_files(profile) == []
    finally:
        back.stop()


def test_while_another_exsync_sends_the_message_waits_in_the_queue(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    [profile] = save_profiles(sb, tmp_path, 1)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    with SendQueue.of(profile):  # this test process holds the queue, as a flush would
        done = run_send(friend, stdin=message("Busy", me, friend, message_id="<busy.1@x.test>"))
        assert done.returncode == 0, done.stderr
        assert "another exsync is sending" in done.stderr and sent(sb) == []
    assert run_send("--flush").returncode == 0
    assert [m["message"]["Message-ID"] for m in sent(sb)] == ["<busy.1@x.test>"]


def test_a_queued_message_the_server_refuses_stays_until_dropped(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    [profile] = save_profiles(sb, tmp_path, 1)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    good = prepare(message("Fine", me, friend), [friend], from_headers=False)
    unreadable = dataclasses.replace(good, mime=b"\x00 not MIME\n", message_id="<bad@x.test>")
    queue = SendQueue.of(profile)
    queue.add(unreadable, QUEUED)
    queue.add(good, QUEUED)
    flushed = run_send("-q")  # sendmail's spelling of --flush
    assert flushed.returncode == EX_TEMPFAIL
    assert "<bad@x.test> refused (message-refused)" in flushed.stderr
    assert [m["message"]["Subject"] for m in sent(sb)] == ["Fine"]  # the rest went on
    [left] = queue.entries()
    assert left.message_id == "<bad@x.test>" and left.last_error == "message-refused"
    assert f"\t{left.id}\t" in run_send("-bp").stdout  # mailq
    dropped = run_send("--drop", left.id)
    assert dropped.returncode == 0 and queue.entries() == []
    assert run_send("--drop", left.id).returncode == EX_USAGE


def test_messages_sent_at_once_from_one_profile_each_go_out_once(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    [profile] = save_profiles(sb, tmp_path, 1)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "exsync_tui", "send", friend],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for _ in range(3)
    ]
    for number, child in enumerate(children):
        _, err = child.communicate(message(f"Parallel {number}", me, friend), timeout=120)
        assert child.returncode == 0, err.decode()
    assert run_send("--flush").returncode == 0  # any that waited too long and queued
    subjects = sorted(str(m["message"]["Subject"]) for m in sent(sb))
    assert subjects == ["Parallel 0", "Parallel 1", "Parallel 2"]
    assert queue_files(profile) == []


def test_a_hung_server_cannot_hold_the_mail_client_past_the_time_limit(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    [profile] = save_profiles(sb, tmp_path, 1)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    sb.control.inject_fault("hang*5/CreateItem")
    raw = message("Hung", me, friend, message_id="<hung.1@x.test>")
    done = run_send("--time-limit", "3", friend, stdin=raw)
    assert done.returncode == 0, done.stderr
    assert "queued <hung.1@x.test> (no answer within 3 s)" in done.stderr
    assert len(queue_files(profile)) == 1
    sb.control.clear_faults()
    assert run_send("--flush").returncode == 0
    assert [m["message"]["Message-ID"] for m in sent(sb)] == ["<hung.1@x.test>"]


def test_a_damaged_queue_file_is_named_kept_and_does_not_stop_the_sync(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=2, messages=2, events=0)
    [profile] = save_profiles(sb, tmp_path, 1)
    queue_dir = SendQueue.of(profile).directory
    queue_dir.mkdir(parents=True)
    damaged = queue_dir / "00000000000000000001-damaged.msg"
    damaged.write_bytes(b"not json\nFrom: x@example.com\n\nbody\n")
    synced = run_cli("sync", "user0", "--json")
    assert synced.returncode == 0, synced.stderr
    warnings = [e["message"] for e in json_events(synced.stdout) if e["event"] == "warning"]
    assert any(str(damaged) in w and "not flushed" in w for w in warnings)
    listed = run_send("--queue")
    assert listed.returncode == EX_TEMPFAIL and str(damaged) in listed.stderr
    assert damaged.exists()  # perhaps the only copy of someone's message
