"""Sending one message now, or flushing a profile's queue: nothing lost, nothing sent twice.

A message is written to the queue (state ``sending``) before the first request,
and removed only after the server accepted it, so a crash anywhere leaves it
on disk. A queue entry that may have gone out already (left ``sending`` by a
process that died, or queued after a failure that could have come after the
server took it) is looked up in Sent Items and the Outbox by its Message-ID
before it is sent again. ``EXSYNC_CRASH_AT`` points (:data:`SEND_POINTS`) let the
tests kill the process between every two of these steps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from exsync_tui.core.profiles import Profile
from exsync_tui.core.send.failures import Failure, failure_of
from exsync_tui.core.send.outgoing import Outgoing
from exsync_tui.core.send.queue import QUEUED, SENDING, SENT, Entry, QueueBusy, SendQueue
from exsync_tui.core.sync import crashpoints

SEND_BUDGET_S = 30.0
"""How long one request may wait for a busy server before the message is queued instead."""
SEND_TIME_LIMIT_S = 60.0
"""How long ``exsync send`` may take with the server before it queues the message."""
QUEUE_WAIT_S = 10.0
"""How long a send waits for another exsync sending from the same profile (a mail
client or a script sending several messages at once) before queueing its message."""

SEND_POINTS = (
    "send-locked",
    "send-after-queue",
    "send-before-lookup",
    "send-before-create",
    "send-after-create",
    "send-after-mark",
    "send-after-requeue",
    "flush-locked",
    "flush-before-lookup",
    "flush-before-create",
    "flush-after-create",
    "flush-after-done",
)
"""Every crash point of a send and a flush; tests iterate over these."""


class Sender(Protocol):
    """What sending needs from a mailbox (:class:`~exsync_tui.core.sources.ews_send.EwsSender`)."""

    def already_sent(self, message_id: str) -> bool:
        """Whether the mailbox has sent a message with this Message-ID."""

    def send(self, mime: bytes, bcc: Sequence[str]) -> None:
        """Send ``mime`` (to its To and Cc, and ``bcc``), saving a copy in Sent Items."""

    def close(self) -> None:
        """Let go of connections and grants."""


SenderFactory = Callable[[Profile, str, threading.Event], Sender]


def ews_sender(profile: Profile, password: str, cancel: threading.Event) -> Sender:
    """The EWS sender for ``profile``; raises TopicError when the profile cannot connect yet."""
    from exsync_tui.core.sources.ews_send import EwsSender
    from exsync_tui.core.sources.ews_settings import settings_from_profile

    settings = settings_from_profile(profile, password, max_connections=1, budget_s=SEND_BUDGET_S)
    return EwsSender(settings, cancel=cancel)


class Outcome(StrEnum):
    """How a submission ended."""

    SENT = "sent"
    ALREADY_SENT = "already-sent"  # a crashed earlier attempt had sent it
    QUEUED = "queued"
    FAILED = "failed"


@dataclass(frozen=True)
class SendResult:
    """The outcome of one submission; ``failure`` says why it was queued or failed."""

    outcome: Outcome
    message_id: str
    failure: Failure | None = None
    note: str | None = None


def default_sender(profile: Profile, secret: str, cancel: threading.Event) -> Sender:
    """Graph ``sendMail`` for a Microsoft 365 profile (``secret`` is its access token,
    refreshed silently when refused), EWS ``CreateItem`` for every other."""
    from exsync_tui.core.sync.engine import is_office365

    if not is_office365(profile):
        return ews_sender(profile, secret, cancel)
    from exsync_tui.core.m365.session_tokens import graph_session
    from exsync_tui.core.sources.graph_send import graph_sender_factory

    tokens, graph_url = graph_session(profile, secret, cancel)
    return graph_sender_factory(tokens, graph_url)(profile, secret, cancel)


def _sender_or_failure(
    factory: SenderFactory, profile: Profile, password: str, cancel: threading.Event
) -> Sender | Failure:
    try:
        return factory(profile, password, cancel)
    except Exception as error:  # settings the profile lacks: a TopicError, never a request
        return failure_of(error)


def submit(
    profile: Profile,
    password: str,
    outgoing: Outgoing,
    *,
    factory: SenderFactory = default_sender,
    cancel: threading.Event | None = None,
) -> SendResult:
    """Send ``outgoing`` now, or queue it when the server cannot take it now."""
    sender = _sender_or_failure(factory, profile, password, cancel or threading.Event())
    if isinstance(sender, Failure):
        return SendResult(Outcome.FAILED, outgoing.message_id, sender)
    queue = SendQueue.of(profile, wait_s=QUEUE_WAIT_S)
    with closing(sender):
        try:
            with queue:
                crashpoints.reached("send-locked")
                entry = queue.interrupted(outgoing.digest)
                if entry is not None and entry.state == SENT:
                    queue.remove(entry)  # a retry of a send that went out before its crash
                    return SendResult(Outcome.ALREADY_SENT, entry.message_id)
                adopted = entry is not None
                if entry is None:
                    entry = queue.add(outgoing, SENDING)
                    crashpoints.reached("send-after-queue")
                return _send_entry(queue, sender, entry, check_first=adopted)
        except QueueBusy as busy:
            entry = queue.add(outgoing, QUEUED)  # the process holding the lock may send it
            return SendResult(Outcome.QUEUED, entry.message_id, note=str(busy))


def _send_entry(queue: SendQueue, sender: Sender, entry: Entry, *, check_first: bool) -> SendResult:
    outcome = Outcome.SENT
    try:
        crashpoints.reached("send-before-lookup")
        if check_first and sender.already_sent(entry.message_id):
            outcome = Outcome.ALREADY_SENT
        else:
            crashpoints.reached("send-before-create")
            sender.send(queue.mime(entry), entry.bcc)
            crashpoints.reached("send-after-create")
    except Exception as error:
        failure = failure_of(error)
        if not failure.temporary:
            queue.remove(entry)  # the caller still has the message and is told why
            return SendResult(Outcome.FAILED, entry.message_id, failure)
        queue.update(entry, state=QUEUED, attempts=entry.attempts + 1, last_error=failure.topic)
        crashpoints.reached("send-after-requeue")
        return SendResult(Outcome.QUEUED, entry.message_id, failure)
    # Marked before it is dropped: a crash in between leaves what a retry must find.
    queue.update(entry, state=SENT)
    crashpoints.reached("send-after-mark")
    queue.remove(entry)
    return SendResult(outcome, entry.message_id)


@dataclass
class FlushReport:
    """What a flush did: Message-IDs sent, found sent already, refused; what is left."""

    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    refused: list[tuple[str, Failure]] = field(default_factory=list)
    remaining: int = 0
    stopped: Failure | None = None  # the server could not be used: the rest waits
    busy: str | None = None  # another process is sending this queue


def flush(
    profile: Profile,
    password: str,
    *,
    factory: SenderFactory = default_sender,
    cancel: threading.Event | None = None,
) -> FlushReport:
    """Send every queued message of ``profile``, oldest first (no request when none is queued)."""
    queue = SendQueue.of(profile)
    report = FlushReport()
    if not queue.entries():
        return report
    try:
        with queue:
            crashpoints.reached("flush-locked")
            queue.drop_old_sent()
            entries = queue.unsent()
            if not entries:
                return report
            sender = _sender_or_failure(factory, profile, password, cancel or threading.Event())
            if isinstance(sender, Failure):
                report.stopped, report.remaining = sender, len(entries)
                return report
            with closing(sender):
                for index, entry in enumerate(entries):
                    failure = _flush_entry(queue, sender, entry, report)
                    if failure is not None and not failure.about_message:
                        report.stopped = failure
                        report.remaining = len(entries) - index + len(report.refused)
                        return report
            report.remaining = len(report.refused)
    except QueueBusy as busy:
        report.busy = str(busy)
    return report


def _flush_entry(
    queue: SendQueue, sender: Sender, entry: Entry, report: FlushReport
) -> Failure | None:
    try:
        crashpoints.reached("flush-before-lookup")
        found = sender.already_sent(entry.message_id)
        if not found:
            crashpoints.reached("flush-before-create")
            sender.send(queue.mime(entry), entry.bcc)
            crashpoints.reached("flush-after-create")
    except Exception as error:
        failure = failure_of(error)
        queue.update(entry, state=QUEUED, attempts=entry.attempts + 1, last_error=failure.topic)
        if failure.about_message:
            report.refused.append((entry.message_id, failure))
        return failure
    if entry.state == SENDING:
        queue.update(entry, state=SENT)  # its submitter died untold and may try again
    else:
        queue.remove(entry)
    crashpoints.reached("flush-after-done")
    (report.already_sent if found else report.sent).append(entry.message_id)
    return None
