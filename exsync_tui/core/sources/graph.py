"""The Microsoft Graph mailbox source: :class:`MailboxSource` for Microsoft 365 mailboxes.

Mail folders come from ``mailFolders`` (and their ``childFolders``),
calendars from ``calendars``; a mail folder's items from its message delta
(the sync state is the next or delta link), MIME from ``$value``, a
calendar's changes from its ``calendarView`` delta for the sync window
(:mod:`.graph_calview`), each series or single event fetched whole and turned
into iCalendar (:mod:`.graph_calendar`). Every request asks for ImmutableIds, so a moved
message keeps its id. Requests run on a :class:`ScopedPool` of at most four
workers (Outlook's limit per mailbox), inside the profile's network policy,
with only the Graph host granted the bearer token.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from typing import Any, TypeVar
from urllib.parse import quote

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.net import NetScope, applied
from exsync_tui.core.net.credentials import credentials_scope
from exsync_tui.core.sources import graph_push
from exsync_tui.core.sources.base import (
    DEFAULT_MAX_CHANGES,
    ChangeType,
    FetchedItem,
    FetchProblem,
    FlagPush,
    FolderGone,
    FolderKind,
    HierarchyPage,
    ItemChange,
    ItemPage,
    MailboxSource,
    PushResult,
    RemoteFolder,
    SyncStateInvalid,
)
from exsync_tui.core.sources.fetching import fetch_in_flight, plan_batches
from exsync_tui.core.sources.graph_calendar import instances_window, to_ical
from exsync_tui.core.sources.graph_calview import calendar_page
from exsync_tui.core.sources.graph_http import (
    GraphClient,
    GraphStatusError,
    TokenProvider,
    refuses_token,
)
from exsync_tui.core.sources.graph_parse import (
    MESSAGE_EXPAND,
    MESSAGE_SELECT,
    decode_snapshot,
    encode_snapshot,
    folder_of,
    folder_version,
    message_change,
    snapshot_diff,
)
from exsync_tui.core.sources.graph_settings import GraphSettings
from exsync_tui.core.sources.pool import ScopedPool

T = TypeVar("T")

PREFER = graph_push.PREFER
FIRST_ROUND = "graph-first:"  # a nextLink of a folder's first listing: its entries are new
LATER_ROUND = "graph-delta:"
_LIST_TOP = "100"


class GraphSource(MailboxSource):
    """One mailbox over Microsoft Graph. Opening sends nothing."""

    def __init__(
        self,
        settings: GraphSettings,
        tokens: TokenProvider,
        *,
        cancel: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.cancel = cancel or threading.Event()
        self._closed = False
        self._scope = NetScope(cancel=self.cancel)
        self._calendars: set[str] | None = None
        with ExitStack() as stack:
            stack.enter_context(applied(settings.policy, [settings.host]))
            # The Graph URL is Microsoft's or one the profile was set up with: the only
            # host the bearer token may go to.
            stack.enter_context(credentials_scope([settings.host]))
            self._pool = ScopedPool(settings.max_connections, self._scope, "exsync-graph")
            stack.callback(self._pool.close)
            self._client = GraphClient(
                settings.graph_url,
                tokens,
                self.cancel,
                budget_s=settings.budget_s,
                backoff_base_s=settings.backoff_base_s,
            )
            stack.callback(self._client.close)
            self._stack = stack.pop_all()

    def _call(self, work: Callable[[], T]) -> T:
        if self._closed:
            raise TopicError("unexpected-error", "the mailbox source is closed")
        return self._pool.call(work)

    def _pages(self, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        """Every entry of a paged collection, following nextLinks (each at most once: a
        server that hands out a page it already gave would otherwise be read forever)."""
        url: str | None = self._client.url(path)
        query: dict[str, str] | None = params
        seen: set[str] = set()
        while url is not None:
            payload = self._client.json(url, params=query, headers={"Prefer": PREFER})
            yield from payload.get("value") or ()
            link = payload.get("@odata.nextLink")
            url, query = (self._client.check_link(str(link)), None) if link else (None, None)
            if url is not None and url in seen:
                raise TopicError("response-rejected", "Graph handed out a page it already gave")
            seen.add(url or "")

    # -- folders -----------------------------------------------------------------------------

    def _mail_folders(self) -> list[RemoteFolder]:
        params = {"$top": _LIST_TOP}
        if self.settings.include_hidden:
            params["includeHiddenFolders"] = "true"
        found: list[RemoteFolder] = []
        pending = [("me/mailFolders", params)]
        while pending:
            path, query = pending.pop(0)
            for entry in self._pages(path, query):
                folder = folder_of(entry, FolderKind.MAIL)
                found.append(folder)
                if entry.get("childFolderCount"):
                    child_path = f"me/mailFolders/{quote(folder.folder_id, safe='')}/childFolders"
                    pending.append((child_path, params))
        return found

    def _calendar_folders(self) -> list[RemoteFolder]:
        calendars = [
            folder_of(entry, FolderKind.CALENDAR)
            for entry in self._pages("me/calendars", {"$top": _LIST_TOP})
        ]
        self._calendars = {c.folder_id for c in calendars}
        return calendars

    def sync_hierarchy(self, state: str | None) -> HierarchyPage:
        folders = self._call(lambda: [*self._mail_folders(), *self._calendar_folders()])
        by_id = {f.folder_id: f for f in folders}
        now = {f.folder_id: folder_version(f) for f in folders}
        changes, after, _ = snapshot_diff(decode_snapshot(state, None), now)
        return HierarchyPage(
            created=tuple(by_id[k] for t, k in changes if t is ChangeType.CREATE),
            updated=tuple(by_id[k] for t, k in changes if t is ChangeType.UPDATE),
            deleted=tuple(k for t, k in changes if t is ChangeType.DELETE),
            sync_state=encode_snapshot(after),
            includes_last=True,
        )

    # -- items -------------------------------------------------------------------------------

    def _is_calendar(self, folder_id: str) -> bool:
        if self._calendars is None:
            self._call(self._calendar_folders)
        return folder_id in (self._calendars or set())

    def sync_items(
        self, folder_id: str, state: str | None, max_changes: int = DEFAULT_MAX_CHANGES
    ) -> ItemPage:
        if not 1 <= max_changes <= 1000:
            raise TopicError(
                "settings-invalid", "max_changes must be 1 to 1000", {"field": "max_changes"}
            )
        try:
            if self._is_calendar(folder_id):
                return self.sync_calendar(folder_id, state, max_changes, self._default_window())
            return self._call(lambda: self._message_page(folder_id, state, max_changes))
        except GraphStatusError as error:
            if refuses_token(error, token_sent=state is not None):
                raise SyncStateInvalid(folder_id, error.detail) from error
            if error.status == 404:
                raise FolderGone(folder_id, error.detail) from error
            raise

    def _message_page(self, folder_id: str, state: str | None, max_changes: int) -> ItemPage:
        headers = {"Prefer": f"odata.maxpagesize={max_changes}, {PREFER}"}
        first_round = state is None or state.startswith(FIRST_ROUND)
        if state is None:
            url = self._client.url(f"me/mailFolders/{quote(folder_id, safe='')}/messages/delta")
            params: dict[str, str] | None = {"$select": MESSAGE_SELECT, "$expand": MESSAGE_EXPAND}
        elif state.startswith((FIRST_ROUND, LATER_ROUND)):
            url, params = self._saved_link(folder_id, state.split(":", 1)[1]), None
        else:
            raise SyncStateInvalid(folder_id, "not a Graph delta link")
        payload = self._client.json(url, params=params, headers=headers)
        changes = tuple(
            message_change(entry, first_round=first_round) for entry in payload.get("value") or ()
        )
        next_link = payload.get("@odata.nextLink")
        delta_link = payload.get("@odata.deltaLink")
        if next_link and params is None and str(next_link) == url:
            # The page it was asked for, handed out again: the sync would never end.
            raise TopicError("response-rejected", "Graph handed out a page it already gave")
        if next_link:
            sync_state = (FIRST_ROUND if first_round else LATER_ROUND) + str(next_link)
        elif delta_link:
            sync_state = LATER_ROUND + str(delta_link)
        else:
            raise TopicError(
                "unexpected-error", "Graph's delta page had neither next nor delta link"
            )
        return ItemPage(folder_id, changes, sync_state, includes_last=not next_link)

    def _saved_link(self, folder_id: str, link: str) -> str:
        """A link from the saved state, if it is this Graph URL's: a profile whose
        ``graph_url`` changed (or a host that moved) starts a new round instead."""
        if not self._client.owns_link(link):
            raise SyncStateInvalid(folder_id, "the saved delta link is for another Graph URL")
        return link

    def sync_calendar(
        self,
        folder_id: str,
        state: str | None,
        max_changes: int,
        window: tuple[dt.datetime, dt.datetime],
    ) -> ItemPage:
        if not self._is_calendar(folder_id):
            return self.sync_items(folder_id, state, max_changes)
        try:
            return self._call(
                lambda: calendar_page(
                    self._client, folder_id, state, max_changes, window, self._exists, PREFER
                )
            )
        except GraphStatusError as error:
            if error.status == 404:
                raise FolderGone(folder_id, error.detail) from error
            raise

    def _default_window(self) -> tuple[dt.datetime, dt.datetime]:
        now = dt.datetime.now(dt.UTC)
        past = dt.timedelta(days=self.settings.calendar_past_days)
        return now - past, now + dt.timedelta(days=self.settings.calendar_future_days)

    def _exists(self, event_id: str) -> bool:
        """Whether an event is still there (asked with the smallest answer Graph gives)."""
        url = self._client.url(f"me/events/{quote(event_id, safe='')}")
        try:
            self._client.json(url, params={"$select": "id"}, headers={"Prefer": PREFER})
        except GraphStatusError as error:
            if error.status == 404:
                return False
            raise
        return True

    # -- content -----------------------------------------------------------------------------

    def _mime(self, item_id: str) -> FetchedItem:
        url = self._client.url(f"me/messages/{quote(item_id, safe='')}/$value")
        try:
            response = self._client.get(url, headers={"Prefer": PREFER})
        except GraphStatusError as error:
            if error.status == 404:
                return FetchedItem(item_id, problem=FetchProblem.NOT_FOUND, detail=error.detail)
            raise
        return FetchedItem(item_id, content=response.content)

    def _event(self, item_id: str) -> FetchedItem:
        url = self._client.url(f"me/events/{quote(item_id, safe='')}")
        try:
            event = self._client.json(url, headers={"Prefer": PREFER})
            instances: list[dict[str, Any]] = []
            horizon = dt.datetime.now(dt.UTC) + dt.timedelta(
                days=self.settings.calendar_future_days
            )
            window = instances_window(event, horizon) if event.get("recurrence") else None
            if window is not None:
                params = {
                    "startDateTime": window[0].astimezone(dt.UTC).isoformat(),
                    "endDateTime": window[1].astimezone(dt.UTC).isoformat(),
                    "$top": "500",
                }
                instances = list(
                    self._pages(f"me/events/{quote(item_id, safe='')}/instances", params)
                )
        except GraphStatusError as error:
            if error.status == 404:
                return FetchedItem(item_id, problem=FetchProblem.NOT_FOUND, detail=error.detail)
            raise
        try:
            content = to_ical(event, instances, window or (horizon, horizon))
        except (KeyError, ValueError, TypeError) as error:
            return FetchedItem(item_id, problem=FetchProblem.FAILED, detail=f"bad event: {error}")
        return FetchedItem(item_id, content=content)

    def _fetch(
        self,
        item_ids: Sequence[str],
        one: Callable[[str], FetchedItem],
        max_bytes: int | None = None,
        sizes: Mapping[str, int] | None = None,
    ) -> Iterator[FetchedItem]:
        if self._closed:
            raise TopicError("unexpected-error", "the mailbox source is closed")
        plan = plan_batches(item_ids, batch_size=1, max_bytes=max_bytes, sizes=sizes)
        return fetch_in_flight(
            self._pool,
            lambda ids: [one(item_id) for item_id in ids],
            plan,
            in_flight=self.settings.max_connections,
            max_bytes=max_bytes,
        )

    def fetch_mime(
        self,
        item_ids: Sequence[str],
        *,
        max_bytes: int | None = None,
        sizes: Mapping[str, int] | None = None,
    ) -> Iterator[FetchedItem]:
        return self._fetch(item_ids, self._mime, max_bytes, sizes)

    def fetch_calendar(self, item_ids: Sequence[str]) -> Iterator[FetchedItem]:
        return self._fetch(item_ids, self._event)

    # -- two-way (see :mod:`.graph_push`) ------------------------------------------------------

    supports_push = True

    def refresh_items(self, item_ids: Sequence[str]) -> dict[str, ItemChange]:
        return self._call(lambda: graph_push.refresh_items(self._client, item_ids))

    def update_flags(self, pushes: Sequence[FlagPush]) -> list[PushResult]:
        return self._call(lambda: graph_push.update_flags(self._client, pushes))

    def move_items(self, item_ids: Sequence[str], folder_id: str) -> list[PushResult]:
        return self._call(lambda: graph_push.move_items(self._client, item_ids, folder_id))

    def delete_items(self, item_ids: Sequence[str]) -> list[PushResult]:
        return self._call(lambda: graph_push.delete_items(self._client, item_ids))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._scope.abort()
        self._stack.close()
