"""The queue's rules with a stand-in mailbox: what stays, what goes, what is counted.

The stand-in implements exsync's own ``Sender`` interface (no exchangelib inside);
the same rules run against the sandbox in test_send_cli and test_send_crash.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.profiles import Profile, new_profile
from exsync_tui.core.send.deliver import Outcome, Sender, SenderFactory, flush, submit
from exsync_tui.core.send.outgoing import prepare
from exsync_tui.core.send.queue import QUEUED, SENT, SENT_KEPT_S, SendQueue


@dataclass
class Mailbox:
    """Sends into a list; fails with ``errors`` (one per call, None = works) first."""

    errors: list[Exception | None] = field(default_factory=list)
    outbox: list[bytes] = field(default_factory=list)

    def already_sent(self, message_id: str) -> bool:
        return any(message_id.encode() in mime for mime in self.outbox)

    def send(self, mime: bytes, bcc: Sequence[str]) -> None:
        error = self.errors.pop(0) if self.errors else None
        if error is not None:
            raise error
        self.outbox.append(mime)

    def close(self) -> None:
        pass


def _factory(mailbox: Mailbox) -> SenderFactory:
    def make(_profile: Profile, _password: str, _cancel: threading.Event) -> Sender:
        return mailbox

    return make


def _profile() -> Profile:
    return new_profile("me", "me@example.com", ews_url="https://mail.example.com/EWS/Exchange.asmx")


def _queued(profile: Profile, subject: str, state: str = QUEUED) -> None:
    raw = f"From: me@example.com\nTo: you@example.org\nSubject: {subject}\n\nbody\n".encode()
    SendQueue.of(profile).add(prepare(raw, ["you@example.org"], from_headers=False), state)


def test_a_refused_sign_in_gives_the_message_back_and_a_busy_server_queues_it() -> None:
    profile = _profile()
    raw = b"From: me@example.com\nTo: you@example.org\nSubject: x\n\nbody\n"
    outgoing = prepare(raw, ["you@example.org"], from_headers=False)
    refused = Mailbox([TopicError("credentials-rejected", "401")])
    result = submit(profile, "pw", outgoing, factory=_factory(refused))
    assert result.outcome is Outcome.FAILED and result.failure is not None
    assert result.failure.exit_code == 77 and SendQueue.of(profile).entries() == []
    busy = Mailbox([TopicError("server-busy", "busy")])
    queued = submit(profile, "pw", outgoing, factory=_factory(busy))
    assert queued.outcome is Outcome.QUEUED and busy.outbox == []
    [entry] = SendQueue.of(profile).entries()
    assert (entry.state, entry.attempts, entry.last_error) == (QUEUED, 1, "server-busy")


def test_a_flush_stops_at_a_server_problem_and_counts_what_is_left() -> None:
    profile = _profile()
    for subject in ("one", "two", "three"):
        _queued(profile, subject)
    mailbox = Mailbox([None, TopicError("connection-refused", "down")])
    report = flush(profile, "pw", factory=_factory(mailbox))
    assert len(report.sent) == 1 and report.remaining == 2
    assert report.stopped is not None and report.stopped.topic == "connection-refused"
    assert [e.attempts for e in SendQueue.of(profile).entries()] == [1, 0]
    again = flush(profile, "pw", factory=_factory(mailbox))
    assert len(again.sent) == 2 and again.remaining == 0 and len(mailbox.outbox) == 3


def test_a_flush_leaves_sent_entries_for_their_submitter_a_day_then_drops_them() -> None:
    profile = _profile()
    _queued(profile, "told nobody", state=SENT)
    _queued(profile, "to send")
    mailbox = Mailbox()
    flush(profile, "pw", factory=_factory(mailbox))
    queue = SendQueue.of(profile)
    assert [e.state for e in queue.entries()] == [SENT] and len(mailbox.outbox) == 1
    with queue:
        queue.drop_old_sent(now=time.time() + SENT_KEPT_S - 60)
        assert len(queue.entries()) == 1
        queue.drop_old_sent(now=time.time() + SENT_KEPT_S + 60)
        assert queue.entries() == []


def test_nothing_queued_means_no_mailbox_is_opened() -> None:
    def refuse(_profile: Profile, _password: str, _cancel: threading.Event) -> Sender:
        raise AssertionError("a flush of an empty queue must not connect")

    assert flush(_profile(), "pw", factory=refuse).remaining == 0
