"""`exsync send --queue` and `--flush`: what waits in each profile's send queue, and sending it."""

from __future__ import annotations

import sys

from exsync_tui.core.profiles import Profile
from exsync_tui.core.send.failures import EX_OK, EX_TEMPFAIL, EX_USAGE
from exsync_tui.core.send.queue import QueueBusy, SendQueue


def show_queues(profiles: list[Profile]) -> int:
    """One line per queued message: profile, entry, when, state, attempts, envelope."""
    for profile in profiles:
        for entry in SendQueue.of(profile).entries():
            error = f" last error: {entry.last_error}" if entry.last_error else ""
            print(
                f"{profile.name}\t{entry.id}\t{entry.queued_at}\t{entry.state}\t"
                f"attempts {entry.attempts}\t{entry.message_id}\t"
                f"to {', '.join(entry.recipients)}{error}"
            )
    return EX_OK


def flush_queues(
    profiles: list[Profile], time_limit_s: float, default_client_id: str | None = None
) -> int:
    """Send each profile's queue; 75 (EX_TEMPFAIL) while anything is left."""
    from exsync_tui.cli.send import ready_or_failure, time_limit
    from exsync_tui.core.send.deliver import flush
    from exsync_tui.core.send.failures import Failure

    left = 0
    for profile in profiles:
        queue = SendQueue.of(profile)
        if not queue.unsent():
            continue
        ready = ready_or_failure(profile, default_client_id)
        if isinstance(ready, Failure):
            print(f"{profile.name}: not flushed: {ready.topic}: {ready.detail}",
                  file=sys.stderr)  # fmt: skip
            left += len(queue.unsent())
            continue
        with time_limit(time_limit_s) as cancel:
            report = flush(ready[0], ready[1], cancel=cancel)
        for message_id in report.sent:
            print(f"{profile.name}: sent {message_id}", file=sys.stderr)
        for message_id in report.already_sent:
            print(f"{profile.name}: {message_id} had been sent already", file=sys.stderr)
        for message_id, failure in report.refused:
            print(f"{profile.name}: {message_id} refused ({failure.topic}): {failure.detail}",
                  file=sys.stderr)  # fmt: skip
        if report.stopped is not None:
            print(f"{profile.name}: stopped ({report.stopped.topic}): {report.stopped.detail}",
                  file=sys.stderr)  # fmt: skip
        if report.busy is not None:
            print(f"{profile.name}: {report.busy}", file=sys.stderr)
        left += len(queue.unsent())
    return EX_TEMPFAIL if left else EX_OK


def drop_entry(profiles: list[Profile], entry_id: str) -> int:
    """Remove one queued message (as `--queue` names it) without sending it."""
    for profile in profiles:
        queue = SendQueue.of(profile)
        if not any(entry.id == entry_id for entry in queue.entries()):
            continue
        try:
            with queue:
                for entry in queue.entries():
                    if entry.id == entry_id:
                        queue.remove(entry)
                        print(f"{profile.name}: dropped {entry.message_id}", file=sys.stderr)
                        return EX_OK
        except QueueBusy as busy:
            print(f"exsync send: {busy}; try again", file=sys.stderr)
            return EX_TEMPFAIL
    print(f"exsync send: no queued message {entry_id!r} (see exsync send --queue)",
          file=sys.stderr)  # fmt: skip
    return EX_USAGE
