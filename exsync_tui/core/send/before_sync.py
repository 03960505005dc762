"""The send queue's flush at the start of each profile's sync, told as sync events."""

from __future__ import annotations

import threading

from exsync_tui.core.profiles import Profile
from exsync_tui.core.send.deliver import SenderFactory, default_sender, flush
from exsync_tui.core.sync.events import EventSink, QueueFlushed, SyncWarning


def flush_before_sync(
    profile: Profile,
    password: str,
    emit: EventSink,
    cancel: threading.Event,
    factory: SenderFactory = default_sender,
) -> None:
    """Send what ``exsync send`` queued; problems are warnings, and the sync goes on."""
    try:
        report = flush(profile, password, factory=factory, cancel=cancel)
    except OSError as error:  # an unreadable queue file, a full disk: sync all the same
        emit(SyncWarning(profile.name, f"the send queue was not flushed: {error}"))
        return
    for message_id, failure in report.refused:
        emit(SyncWarning(profile.name, f"queued {message_id} refused: {failure.detail}"))
    if report.stopped is not None:
        emit(SyncWarning(profile.name, f"queued mail not sent: {report.stopped.topic}: "
                                       f"{report.stopped.detail}"))  # fmt: skip
    if report.sent or report.already_sent or report.remaining:
        emit(QueueFlushed(profile.name, len(report.sent), len(report.already_sent),
                          report.remaining))  # fmt: skip
