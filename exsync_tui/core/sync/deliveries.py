"""Writing a page's new messages a few at a time, with a bound on what waits in memory.

Creating a file can wait on the file system's journal (measured: 2 ms per
``open`` on a busy disk, with the engine's thread idle meanwhile). Several
deliveries in flight let the next messages be written during that wait; each
is still atomic (``tmp/`` then rename) and made durable by the page's
:meth:`~exsync_tui.core.store.maildir.MaildirStore.sync_dirs`.
"""

from __future__ import annotations

from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from types import TracebackType
from typing import Self

from exsync_tui.core.store.maildir import Delivered, MaildirStore

DELIVER_THREADS = 4
"""Messages written at once."""


class Deliveries:
    """Deliveries to one Maildir on a few threads; ``written`` counts the bytes of those done.

    Leaving the ``with`` block waits for every delivery started and raises the first
    failure; at most twice :data:`DELIVER_THREADS` messages wait in memory.
    """

    def __init__(self, maildir: MaildirStore, threads: int = DELIVER_THREADS) -> None:
        self._maildir = maildir
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="exsync-deliver")
        self._running: set[Future[Delivered]] = set()
        self._limit = 2 * threads
        self.written = 0

    def deliver(self, relpath: str, content: bytes, *, flags: str, base: str) -> None:
        """Start writing one message (waits while too many are in flight)."""
        self._running.add(
            self._pool.submit(self._maildir.deliver, relpath, content, flags=flags, base=base)
        )
        if len(self._running) >= self._limit:
            self._collect(FIRST_COMPLETED)

    def _collect(self, until: str) -> None:
        done, pending = wait(self._running, return_when=until)
        self._running = set(pending)
        for future in done:
            self.written += future.result().size

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                self._collect(ALL_COMPLETED)
        finally:
            self._pool.shutdown(wait=True)  # nothing is left writing behind the caller's back
