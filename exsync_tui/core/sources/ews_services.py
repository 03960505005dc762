"""One EWS request per call: SyncFolderHierarchy and SyncFolderItems pages.

GetItem streams its answer instead: :mod:`.ews_getitem`.

exchangelib's ``Folder.sync_items()`` loops over pages and hands out the sync
state only when its generator is exhausted, so a crash mid-folder loses every
page already written. Here each function sends exactly one request and returns
the page with its own sync state, which the engine saves once the page is
durable. The service subclasses only swap exchangelib's per-element model
building for :mod:`.ews_parse`; requests, errors and retries are exchangelib's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from exchangelib import Account
from exchangelib.properties import DistinguishedFolderId, FolderId, ItemId, Mailbox
from exchangelib.services import GetItem, SyncFolderHierarchy, SyncFolderItems
from lxml import etree

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.sources.base import (
    ChangeType,
    HierarchyPage,
    ItemPage,
    RemoteFolder,
)
from exsync_tui.core.sources.ews_parse import (
    FOLDER_FIELDS,
    ITEM_FIELDS,
    change_type,
    deleted_folder_id,
    parse_folder,
    parse_item_change,
)

ID_ONLY = "IdOnly"
MAX_CHANGES_LIMIT = 512  # the most SyncFolderItems returns per request


class _RawElements:
    """Mixin: hand back response elements untouched (parsed by :mod:`.ews_parse`), and
    refuse a cut-off response.

    exchangelib parses with lxml's ``recover=True``: a response cut short (a broken
    proxy, a dropped connection with a consistent Content-Length) parses "fine" with
    the elements that made it, so a sync page would silently lack its last changes
    while carrying a new sync state, and those changes would never come again.
    """

    def _elem_to_obj(self, elem: etree._Element) -> etree._Element:
        return elem

    @classmethod
    def _get_soap_parts(cls, response: Any) -> Any:
        # Not streamed: the whole body is already here, so its end costs nothing to check.
        if not bytes(response.content[-64:]).rstrip().endswith(b"Envelope>"):
            raise TopicError(
                "unexpected-error",
                f"the server's {cls.__name__.removeprefix('_Raw')} answer was cut off",
            )
        return super()._get_soap_parts(response)  # type: ignore[misc]


class _RawSyncFolderHierarchy(_RawElements, SyncFolderHierarchy):  # type: ignore[misc]
    """SyncFolderHierarchy whose changes stay XML elements."""


class _RawSyncFolderItems(_RawElements, SyncFolderItems):  # type: ignore[misc]
    """SyncFolderItems whose changes stay XML elements."""


class _RawGetItem(_RawElements, GetItem):  # type: ignore[misc]
    """GetItem whose items stay XML elements (small answers: a push's refresh; MIME is
    fetched by :mod:`.ews_getitem`, which streams)."""


@contextmanager
def _well_formed(operation: str) -> Iterator[None]:
    # exchangelib's streaming parser recovers from a cut-off response with whatever
    # elements it got, so a truncated answer shows up as missing pieces, never as
    # short content: make that one clear error.
    try:
        yield
    except (AttributeError, KeyError, IndexError, ValueError, TypeError) as error:
        raise TopicError(
            "unexpected-error",
            f"the server's {operation} answer was incomplete or malformed ({error})",
        ) from error


def _raise_yielded(results: list[Any]) -> list[etree._Element]:
    # Sync services return an error object (not raise it) for some codes; raise it here.
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def _last(service: Any, sent_state: str | None) -> bool:
    # Exchange sometimes answers "more to come" with the very state it was sent; asking
    # again would loop forever, so that page counts as the last (as exchangelib does).
    return bool(service.includes_last_item_in_range) or (
        sent_state is not None and service.sync_state == sent_state
    )


def hierarchy_page(account: Account, state: str | None) -> HierarchyPage:
    """One SyncFolderHierarchy request below the message folder root."""
    service = _RawSyncFolderHierarchy(account=account)
    root = DistinguishedFolderId(
        id="msgfolderroot", mailbox=Mailbox(email_address=account.primary_smtp_address)
    )
    elements = service.call(
        folder=root, shape=ID_ONLY, additional_fields=FOLDER_FIELDS, sync_state=state
    )
    created: list[RemoteFolder] = []
    updated: list[RemoteFolder] = []
    deleted: list[str] = []
    with _well_formed("SyncFolderHierarchy"):
        for change in _raise_yielded(list(elements)):
            kind = change_type(change)
            if kind is ChangeType.DELETE:
                deleted.append(deleted_folder_id(change))
            else:
                (created if kind is ChangeType.CREATE else updated).append(parse_folder(change[0]))
    return HierarchyPage(
        created=tuple(created),
        updated=tuple(updated),
        deleted=tuple(deleted),
        sync_state=str(service.sync_state or ""),
        includes_last=_last(service, state),
    )


def items_page(account: Account, folder_id: str, state: str | None, max_changes: int) -> ItemPage:
    """One SyncFolderItems request: at most ``max_changes`` changes in one folder."""
    if not 1 <= max_changes <= MAX_CHANGES_LIMIT:
        raise TopicError(
            "settings-invalid",
            f"max_changes must be 1 to {MAX_CHANGES_LIMIT}",
            {"field": "max_changes"},
        )
    service = _RawSyncFolderItems(account=account)
    elements = service.call(
        folder=FolderId(id=folder_id),
        shape=ID_ONLY,
        additional_fields=ITEM_FIELDS,
        sync_state=state,
        ignore=None,
        max_changes_returned=max_changes,
        sync_scope=None,
    )
    with _well_formed("SyncFolderItems"):
        changes = [parse_item_change(e) for e in _raise_yielded(list(elements))]
    return ItemPage(
        folder_id=folder_id,
        changes=tuple(changes),
        sync_state=str(service.sync_state or ""),
        includes_last=_last(service, state),
    )


def one_per_id(answers: list[Any], item_ids: Sequence[str], operation: str) -> list[Any]:
    """``answers``, checked to be one per id asked for (they come in request order)."""
    if len(answers) != len(item_ids):
        raise TopicError(
            "unexpected-error",
            f"the server answered {len(answers)} items for {len(item_ids)} in {operation}",
        )
    return answers


def get_items(account: Account, item_ids: Sequence[str], fields: tuple[Any, ...]) -> list[Any]:
    """One GetItem request for ``fields`` of ``item_ids``: an element or an error per id."""
    service = _RawGetItem(account=account, chunk_size=max(1, len(item_ids)))
    with _well_formed("GetItem"):
        answers = list(
            service.call(
                items=[ItemId(id=item_id) for item_id in item_ids],
                additional_fields=fields,
                shape=ID_ONLY,
            )
        )
    return one_per_id(answers, item_ids, "GetItem")
