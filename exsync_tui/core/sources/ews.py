"""The EWS mailbox source: :class:`~exsync_tui.core.sources.base.MailboxSource` on exchangelib.

Network settings come from the profile through ``core.net`` (trust, pins,
connect-to, route guard), registered for the EWS host while the source is
open. Every request runs on a worker of one :class:`ScopedPool`, so a cancel
stops within a poll interval even during a hung request, and MIME batches go
out ``max_connections`` at a time over as many connections. Failures become
TopicErrors through the same classification as connecting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from functools import partial
from typing import TypeVar

from exchangelib.errors import (
    ErrorFolderNotFound,
    ErrorInvalidSyncStateData,
    ErrorSyncFolderNotFound,
)

from exsync_tui.core.diagnose.classify import TopicError, classify
from exsync_tui.core.net import NetScope, applied
from exsync_tui.core.net.credentials import credentials_scope
from exsync_tui.core.profiles import Profile
from exsync_tui.core.redaction import register_secret
from exsync_tui.core.sources import ews_writes
from exsync_tui.core.sources.base import (
    DEFAULT_MAX_CHANGES,
    FetchedItem,
    FlagPush,
    FolderGone,
    HierarchyPage,
    ItemChange,
    ItemPage,
    MailboxSource,
    PushResult,
    SyncStateInvalid,
)
from exsync_tui.core.sources.ews_account import build_sync_account, forget_protocol
from exsync_tui.core.sources.ews_getitem import stream_batch
from exsync_tui.core.sources.ews_services import hierarchy_page, items_page
from exsync_tui.core.sources.ews_settings import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_CONNECTIONS,
    EwsSettings,
    settings_from_profile,
)
from exsync_tui.core.sources.fetching import fetch_in_flight, plan_batches
from exsync_tui.core.sources.pool import ScopedPool

T = TypeVar("T")
U = TypeVar("U")

PUSH_BATCH_SIZE = 100
"""Items per UpdateItem/MoveItem/DeleteItem/GetItem request of a push (exchangelib's own chunk)."""


def _chunks(items: Sequence[U], size: int = PUSH_BATCH_SIZE) -> Iterator[Sequence[U]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def translate(error: BaseException, *, cancelled: bool, folder_id: str | None) -> TopicError:
    """The TopicError for a failure of one request (invalid state and gone folders kept apart)."""
    if not cancelled:
        if isinstance(error, ErrorInvalidSyncStateData):
            return SyncStateInvalid(folder_id, str(error))
        if folder_id is not None and isinstance(
            error, ErrorFolderNotFound | ErrorSyncFolderNotFound
        ):
            return FolderGone(folder_id, str(error))
    if isinstance(error, TopicError) and not cancelled:
        return error
    found = classify(error, cancelled=cancelled)
    return TopicError(found.topic_id, found.detail, found.facts)


class EwsSource(MailboxSource):
    """One mailbox over EWS. Opening sends nothing; each method is one or more requests."""

    def __init__(self, settings: EwsSettings, *, cancel: threading.Event | None = None) -> None:
        self.settings = settings
        self.cancel = cancel or threading.Event()
        self._closed = False
        self._scope = NetScope(cancel=self.cancel)
        with ExitStack() as stack:
            stack.enter_context(register_secret(settings.password))
            stack.enter_context(applied(settings.policy, [settings.host]))
            # The EWS host was confirmed when the profile connected (typed, in the
            # user's domain, or a redirect the user accepted): the only host granted.
            stack.enter_context(credentials_scope([settings.host]))
            self._pool = ScopedPool(settings.max_connections, self._scope, "exsync-ews")
            stack.callback(self._pool.close)
            self._account, self._retry = build_sync_account(settings, self.cancel)
            self._stack = stack.pop_all()  # kept open until close()

    @classmethod
    def from_profile(
        cls,
        profile: Profile,
        password: str,
        *,
        cancel: threading.Event | None = None,
        dns_server: str | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> EwsSource:
        """A source for a saved profile (its learned EWS URL and sign-in method)."""
        settings = settings_from_profile(
            profile,
            password,
            dns_server=dns_server,
            max_connections=max_connections,
            batch_size=batch_size,
        )
        return cls(settings, cancel=cancel)

    def _request(self, work: Callable[[], T], folder_id: str | None = None) -> Callable[[], T]:
        def run() -> T:
            self._retry.start_request()
            try:
                return work()
            except Exception as error:
                raise translate(
                    error, cancelled=self._scope.cancelled, folder_id=folder_id
                ) from error

        return run

    def _call(self, work: Callable[[], T], folder_id: str | None = None) -> T:
        if self._closed:
            raise TopicError("unexpected-error", "the mailbox source is closed")
        return self._pool.call(self._request(work, folder_id))

    def sync_hierarchy(self, state: str | None) -> HierarchyPage:
        return self._call(lambda: hierarchy_page(self._account, state))

    def sync_items(
        self, folder_id: str, state: str | None, max_changes: int = DEFAULT_MAX_CHANGES
    ) -> ItemPage:
        return self._call(
            lambda: items_page(self._account, folder_id, state, max_changes), folder_id
        )

    def _fetch(
        self, item_ids: Sequence[str], max_bytes: int | None, sizes: Mapping[str, int] | None
    ) -> Iterator[FetchedItem]:
        if self._closed:
            raise TopicError("unexpected-error", "the mailbox source is closed")
        plan = plan_batches(
            item_ids, batch_size=self.settings.batch_size, max_bytes=max_bytes, sizes=sizes
        )

        def batch(ids: list[str]) -> list[FetchedItem]:
            return self._request(
                lambda: list(stream_batch(self._account, ids, max_bytes=max_bytes))
            )()

        return fetch_in_flight(
            self._pool, batch, plan, in_flight=self.settings.max_connections, max_bytes=max_bytes
        )

    def fetch_mime(
        self,
        item_ids: Sequence[str],
        *,
        max_bytes: int | None = None,
        sizes: Mapping[str, int] | None = None,
    ) -> Iterator[FetchedItem]:
        return self._fetch(item_ids, max_bytes, sizes)

    def fetch_calendar(self, item_ids: Sequence[str]) -> Iterator[FetchedItem]:
        # Exchange renders a calendar item's MIME as iCalendar: the master with its
        # modified and cancelled occurrences, which is exactly one vdir file.
        return self._fetch(item_ids, None, None)

    supports_push = True

    def _batched(
        self, work: Callable[[Sequence[U]], list[PushResult]], items: Sequence[U]
    ) -> list[PushResult]:
        """``work`` on :data:`PUSH_BATCH_SIZE` items per request, results in item order."""
        results: list[PushResult] = []
        for chunk in _chunks(items):
            results += self._call(partial(work, chunk))
        return results

    def refresh_items(self, item_ids: Sequence[str]) -> dict[str, ItemChange]:
        found: dict[str, ItemChange] = {}
        for chunk in _chunks(item_ids):
            found.update(self._call(partial(ews_writes.refresh_items, self._account, chunk)))
        return found

    def update_flags(self, pushes: Sequence[FlagPush]) -> list[PushResult]:
        return self._batched(partial(ews_writes.update_flags, self._account), pushes)

    def move_items(self, item_ids: Sequence[str], folder_id: str) -> list[PushResult]:
        def move(chunk: Sequence[str]) -> list[PushResult]:
            return ews_writes.move_items(self._account, chunk, folder_id)

        return self._batched(move, item_ids)

    def delete_items(self, item_ids: Sequence[str]) -> list[PushResult]:
        return self._batched(partial(ews_writes.delete_items, self._account), item_ids)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._scope.abort()  # wake any request still blocked, so its worker ends now
        forget_protocol(self._account.protocol.config)
        self._stack.close()
