"""Outlook's concurrency limit: at most 4 requests in flight per mailbox (per app); Graph
answers the fifth with 429, so a client that sends more is caught by its own sync."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

MAILBOX_CONCURRENCY = 4


class MailboxConcurrency:
    """Counts the Graph requests in flight per mailbox (thread-safe)."""

    def __init__(self, limit: int = MAILBOX_CONCURRENCY) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()

    @contextmanager
    def slot(self, email: str | None) -> Iterator[bool]:
        """Hold one slot of ``email``'s for the block; yields True when over the limit.

        None (not a signed-in Graph request) is never limited.
        """
        if email is None:
            yield False
            return
        with self._lock:
            self._in_flight[email] += 1
            over = self._in_flight[email] > self.limit
        try:
            yield over
        finally:
            with self._lock:
                self._in_flight[email] -= 1
