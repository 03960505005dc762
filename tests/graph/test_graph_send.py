"""Sending through Graph ``sendMail`` (MIME): Bcc, the queue, and the Message-ID lookup."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from exsync_tui.core.profiles import Profile
from exsync_tui.core.send.deliver import Outcome, SenderFactory, flush, submit
from exsync_tui.core.send.failures import (
    EX_DATAERR,
    EX_NOPERM,
    EX_NOUSER,
    EX_TEMPFAIL,
    failure_of,
)
from exsync_tui.core.send.outgoing import prepare
from exsync_tui.core.send.queue import SENDING, SendQueue
from exsync_tui.core.sources.graph_http import GraphStatusError
from exsync_tui.core.sources.graph_send import graph_sender_factory, message_id_filter, with_bcc
from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import ControlTokens, graph_operations, graph_profile
from tests.send.helpers import message, sent, sent_items


def _setup(fresh_sandbox: Callable[..., Sandbox]) -> tuple[Sandbox, Profile, SenderFactory]:
    sb = fresh_sandbox(events=0, messages=2)
    factory = graph_sender_factory(ControlTokens(sb), sb.info.graph_url, backoff_base_s=0.01)
    return sb, graph_profile(sb), factory


def test_a_message_goes_to_to_cc_and_bcc_once_with_a_copy_in_sent_items(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile, factory = _setup(fresh_sandbox)
    me = sb.info.users[0].email
    raw = message("hello", me, "to@example.org", cc="cc@example.org", bcc="hidden@example.org")
    outgoing = prepare(raw, ["blind@example.org"], from_headers=True)
    sb.control.clear_request_log()

    result = submit(profile, "", outgoing, factory=factory)

    assert result.outcome is Outcome.SENT, result
    [out] = sent(sb)
    assert out["recipients"] == sorted(
        ["to@example.org", "cc@example.org", "hidden@example.org", "blind@example.org"]
    )
    assert out["message"]["Bcc"] is None  # nobody who received it sees the Bcc
    assert out["message"]["Message-ID"] == outgoing.message_id
    copies = [m for m in sent_items(sb) if m["Message-ID"] == outgoing.message_id]
    assert len(copies) == 1 and copies[0]["Subject"] == "hello"
    assert graph_operations(sb) == {"GraphSendMail 202": 1}
    assert SendQueue.of(profile).entries() == []


def test_a_server_error_queues_without_repeating_and_the_flush_sends_once(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile, factory = _setup(fresh_sandbox)
    me = sb.info.users[0].email
    outgoing = prepare(message("later", me, "to@example.org"), [], from_headers=True)
    sb.control.inject_fault("503*1/GraphSendMail")

    result = submit(profile, "", outgoing, factory=factory)

    assert result.outcome is Outcome.QUEUED, result
    assert graph_operations(sb).get("GraphSendMail 503") == 1  # not sent again blindly
    assert sent(sb) == []
    sb.control.clear_request_log()

    report = flush(profile, "", factory=factory)

    assert report.sent == [outgoing.message_id] and report.remaining == 0, report
    assert len(sent(sb)) == 1
    ops = graph_operations(sb)
    assert ops == {"GraphBatch 200": 1, "GraphSendMail 202": 1}  # one lookup, one send


def test_a_message_sent_before_a_crash_is_found_by_message_id_and_not_sent_again(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile, factory = _setup(fresh_sandbox)
    me = sb.info.users[0].email
    # A quote in the Message-ID: the OData filter must escape it.
    raw = message("once", me, "to@example.org", message_id="<o'brien.1@example.org>")
    outgoing = prepare(raw, [], from_headers=True)
    assert submit(profile, "", outgoing, factory=factory).outcome is Outcome.SENT
    SendQueue.of(profile).add(outgoing, SENDING)  # as left by a process killed after sending

    report = flush(profile, "", factory=factory)

    assert report.already_sent == [outgoing.message_id] and report.sent == [], report
    assert len(sent(sb)) == 1


def test_a_429_on_send_mail_is_waited_out(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb, profile, factory = _setup(fresh_sandbox)
    me = sb.info.users[0].email
    outgoing = prepare(message("busy", me, "to@example.org"), [], from_headers=True)
    sb.control.inject_fault("429:1*2/GraphSendMail")
    sb.control.clear_request_log()

    assert submit(profile, "", outgoing, factory=factory).outcome is Outcome.SENT
    assert graph_operations(sb) == {"GraphSendMail 429": 2, "GraphSendMail 202": 1}
    assert len(sent(sb)) == 1


@pytest.mark.parametrize(
    ("message_id", "expected"),
    [
        ("<a@b>", "internetMessageId eq '<a@b>'"),
        ("<o'b@c>", "internetMessageId eq '<o''b@c>'"),
    ],
)
def test_message_id_filter_escapes_quotes(message_id: str, expected: str) -> None:
    assert message_id_filter(message_id) == expected


def test_with_bcc_adds_one_field_and_keeps_the_rest() -> None:
    raw = b"From: a@b\r\nTo: c@d\r\nBcc: old@x\r\nSubject: s\r\n\r\nbody\r\n"
    changed = with_bcc(raw, ["e@f", "g@h"])
    assert changed.count(b"Bcc:") == 1 and b"old@x" not in changed
    assert b"Bcc: e@f,\r\n g@h\r\n" in changed and changed.endswith(b"\r\n\r\nbody\r\n")
    assert with_bcc(raw, []) == raw


@pytest.mark.parametrize(
    ("status", "code", "exit_code", "temporary"),
    [
        (400, "ErrorInvalidRecipients", EX_NOUSER, False),
        (400, "ErrorMimeContentInvalid", EX_DATAERR, False),
        (413, "ErrorMessageSizeExceeded", EX_DATAERR, False),
        (403, "ErrorSendAsDenied", EX_NOPERM, False),
        (404, "ErrorItemNotFound", EX_TEMPFAIL, True),
    ],
)
def test_graph_refusals_of_the_message_are_given_back_not_queued(
    status: int, code: str, exit_code: int, temporary: bool
) -> None:
    failure = failure_of(GraphStatusError(status, code, "no"))
    assert (failure.exit_code, failure.temporary) == (exit_code, temporary)
