"""Worker threads for a source's requests, all inside one network scope, so cancel really stops.

A request blocked on a silent server cannot be interrupted on its own thread.
So every request of a source runs on one of these workers, under the
source's :class:`~exsync_tui.core.net.NetScope` (which records each connection
it opens); the caller waits on the result *or* the cancel event, and on cancel
shuts down every connection of the scope, which wakes the blocked reads. The
caller is back within a poll interval; the workers end on their own.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Collection
from concurrent.futures import FIRST_COMPLETED, Future
from typing import TypeVar

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.net import NetScope, net_scope

T = TypeVar("T")

POLL_S = 0.05


def cancelled_error() -> TopicError:
    """The error every source raises once its cancel event is set."""
    return TopicError("cancelled", "cancelled")


class ScopedPool:
    """A small thread pool whose threads run inside one NetScope."""

    def __init__(self, workers: int, scope: NetScope, name: str) -> None:
        self.scope = scope
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=name
        )

    def _scoped(self, work: Callable[[], T]) -> T:
        with net_scope(self.scope):
            return work()

    def submit(self, work: Callable[[], T]) -> Future[T]:
        """Start ``work`` on a worker (raises the cancel error once cancelled)."""
        self._check()
        return self._executor.submit(self._scoped, work)

    def _check(self) -> None:
        if self.scope.cancelled:
            self.scope.abort()
            raise cancelled_error()

    def wait_any(self, futures: Collection[Future[T]]) -> set[Future[T]]:
        """The futures that are done, waiting until at least one is; raises on cancel."""
        while True:
            self._check()
            done, _ = concurrent.futures.wait(futures, timeout=POLL_S, return_when=FIRST_COMPLETED)
            if done:
                return set(done)

    def call(self, work: Callable[[], T]) -> T:
        """Run ``work`` on a worker and return its result (its exception is raised here)."""
        future = self.submit(work)
        self.wait_any((future,))
        return future.result()

    def close(self) -> None:
        """Stop taking work; queued work is dropped, running work ends on its own."""
        self._executor.shutdown(wait=False, cancel_futures=True)
