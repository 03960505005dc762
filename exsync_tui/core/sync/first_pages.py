"""The first page of every mail folder's changes, asked for together.

A folder's pages chain (each is asked for with the sync state of the one before),
so one folder runs page after page; but the first page of every folder needs only
the state the last run saved. Asking for them together at the start of the run
turns a no-op sync of 50 folders from 51 round trips one after another into about
a dozen. The source's own pool still bounds the requests in flight (Outlook's 4 per
mailbox for Graph). A page is only read here, never applied: the server keeps no
state of ours (a sync state is the client's), so a page asked for and never used
(a cancel, a crash, a folder deleted meanwhile) changes nothing.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterable
from concurrent.futures import Future
from types import TracebackType

from exsync_tui.core.sources import ItemPage, MailboxSource
from exsync_tui.core.store.state import FolderRecord

ASKING = 4
"""Threads that ask; the source's pool decides how many requests are really in flight."""


class FirstPages:
    """The first ``sync_items`` page of each folder, asked for ahead (a context manager)."""

    def __init__(self, source: MailboxSource, page_size: int) -> None:
        self._source = source
        self._page_size = page_size
        self._asking = concurrent.futures.ThreadPoolExecutor(ASKING, "exsync-first-page")
        self._pages: dict[tuple[str, str | None], Future[ItemPage]] = {}

    def ask(self, folders: Iterable[FolderRecord]) -> None:
        """Start asking for each folder's first page since its saved sync state."""
        for folder in folders:
            key = (folder.remote_id, folder.sync_state)
            self._pages[key] = self._asking.submit(
                self._source.sync_items, folder.remote_id, folder.sync_state, self._page_size
            )

    def take(self, folder_id: str, state: str | None) -> ItemPage | None:
        """The page asked for with exactly this state (once), or None; raises its error."""
        future = self._pages.pop((folder_id, state), None)
        return None if future is None else future.result()

    def __enter__(self) -> FirstPages:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Pages nobody took are dropped; a request under way ends within the source's
        # cancel interval (or at once, as its answer comes).
        self._asking.shutdown(wait=True, cancel_futures=True)
