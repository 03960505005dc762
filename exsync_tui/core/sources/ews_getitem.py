"""GetItem MIME as a stream: each item decoded as soon as it has arrived, one at a time.

The request, its transport and its errors stay exchangelib's: the payload is
exchangelib's GetItem (``IdOnly`` + ``MimeContent``), posted through the
account protocol's own session pool with ``stream=True``, so NTLM/Basic, the
pool's bound on connections, exsync's adapter (64 KiB chunks, size cap,
deadline, DTD refusal, credential gate) and exchangelib's retry loop (server
busy back-off, 500/503, 401) all apply. Only reading the answer changes: the
body is parsed as it arrives (:mod:`.ews_stream`), each response message goes
through exchangelib's own response-code classification, and its MIME is
base64-decoded into a :class:`FetchedItem` before the next one is parsed, so
neither the whole answer nor its tree is ever in memory.
"""

from __future__ import annotations

import binascii
from collections.abc import Generator, Iterable, Iterator, Sequence
from itertools import chain
from typing import Any

from exchangelib import Account
from exchangelib.errors import ErrorItemNotFound, MalformedResponseError, SOAPError
from exchangelib.properties import ItemId
from exchangelib.services import GetItem
from lxml import etree

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.net.bounded import EWS_RESPONSE_MAX_BYTES, PARSE_CHUNK_BYTES
from exsync_tui.core.sources.base import FetchedItem, FetchProblem
from exsync_tui.core.sources.ews_parse import MIME_FIELDS
from exsync_tui.core.sources.ews_services import ID_ONLY
from exsync_tui.core.sources.ews_stream import (
    MESSAGES_NS,
    MIME_CONTENT,
    OVER_LIMIT_ATTRIBUTE,
    CutOff,
    SoapStream,
    mime_text_limit,
    stream_messages,
)

_RESPONSE_TAG = f"{{{MESSAGES_NS}}}GetItemResponse"
_MESSAGE_TAG = f"{{{MESSAGES_NS}}}GetItemResponseMessage"


def cut_off(operation: str) -> TopicError:
    """The error for an answer that ended early (never read as a shorter one)."""
    return TopicError("unexpected-error", f"the server's {operation} answer was cut off")


def item_result(item_id: str, result: Any) -> FetchedItem:
    """One id's result: the MIME of a ``t:Message``/``t:CalendarItem``/... element, or why not.

    ``result`` is what exchangelib's response classification made of one
    response message: the item's element, or the error object it returns for
    per-item errors (not found, cannot be rendered).
    """
    if isinstance(result, ErrorItemNotFound):
        return FetchedItem(item_id, problem=FetchProblem.NOT_FOUND, detail=str(result))
    if isinstance(result, BaseException):
        detail = f"{type(result).__name__}: {result}"
        return FetchedItem(item_id, problem=FetchProblem.FAILED, detail=detail)
    if not isinstance(result, etree._Element):
        return FetchedItem(item_id, problem=FetchProblem.FAILED, detail="the server sent no item")
    mime = result.find(MIME_CONTENT)
    if mime is None or mime.text is None:
        return FetchedItem(item_id, problem=FetchProblem.FAILED, detail="the server sent no MIME")
    skipped = mime.get(OVER_LIMIT_ATTRIBUTE)
    if skipped is not None:
        return FetchedItem(
            item_id,
            problem=FetchProblem.TOO_LARGE,
            detail=f"its MIME ({skipped}+ bytes of base64) is over the limit; not read",
        )
    try:
        # a2b_base64 reads the ASCII text as it is (b64decode would copy it to bytes first).
        return FetchedItem(item_id, binascii.a2b_base64(mime.text))
    except (binascii.Error, ValueError) as error:
        return FetchedItem(item_id, problem=FetchProblem.FAILED, detail=f"bad base64: {error}")


class StreamingGetItem(GetItem):  # type: ignore[misc]
    """GetItem whose answer is parsed while it arrives, handing out one :class:`FetchedItem`
    per requested id, in request order.

    exchangelib retries a whole request when the server turns busy part-way;
    results already handed out are not handed out again.
    """

    def __init__(self, account: Account, item_ids: Sequence[str], max_bytes: int | None) -> None:
        super().__init__(account=account, chunk_size=max(1, len(item_ids)))
        self.streaming = True
        self.item_ids = list(item_ids)
        self.delivered = 0
        limit = EWS_RESPONSE_MAX_BYTES if max_bytes is None else max_bytes
        self.max_text_bytes = mime_text_limit(limit)

    def _get_soap_parts(self, response: Any) -> tuple[etree._Element | None, Iterator[Any]]:
        stream = SoapStream(_MESSAGE_TAG, max_text_bytes=self.max_text_bytes)
        messages = stream_messages(stream, response.iter_content(PARSE_CHUNK_BYTES))
        first: list[etree._Element] = []
        # Read up to the first message or the fault, so the SOAP header (server version) is
        # known and a fault is raised where exchangelib expects it (version retries).
        for elem in messages:
            first.append(elem)
            break
        return stream.header, chain(first, messages)

    def _get_soap_messages(self, body: Iterator[etree._Element]) -> Iterator[etree._Element]:
        first = next(body, None)
        if first is None:
            raise SOAPError(f"Unknown SOAP response (expected {_RESPONSE_TAG} or a Fault)")
        if first.tag != _MESSAGE_TAG:
            self._raise_soap_errors(fault=first)  # raises the EWS error it names
        return chain((first,), body)

    def _get_elements_in_response(self, response: Iterator[etree._Element]) -> Generator[Any]:
        for index, message in enumerate(response):
            found = self._get_element_container(message=message, name=self.element_container_name)
            if index < self.delivered:
                continue  # handed out before exchangelib retried the request
            if index >= len(self.item_ids):
                raise MalformedResponseError(
                    f"the server answered more items than the {len(self.item_ids)} requested"
                )
            if not isinstance(found, bool | BaseException):
                if len(found) != 1:
                    raise MalformedResponseError("a GetItem answer message without its one item")
                found = found[0]
            self.delivered += 1
            yield item_result(self.item_ids[index], found)

    def _elem_to_obj(self, elem: FetchedItem) -> FetchedItem:
        return elem

    def parse_chunks(self, chunks: Iterable[bytes]) -> Generator[FetchedItem]:
        """The results an answer arriving in ``chunks`` gives, without a request (like
        exchangelib's ``parse``): what a real answer goes through after the transport."""
        _, body = self._get_soap_parts(_Arrived(chunks))
        return self._get_elements_in_response(self._get_soap_messages(body))


class _Arrived:
    """Chunks standing in for a streamed response."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks

    def iter_content(self, chunk_size: int) -> Iterator[bytes]:
        return iter(self._chunks)


def stream_batch(
    account: Account, item_ids: Sequence[str], *, max_bytes: int | None = None
) -> Iterator[FetchedItem]:
    """One GetItem request for the MIME of ``item_ids``; one result per id, as each arrives.

    Items the server reports one by one (not found, cannot be rendered) come
    as problems, an item whose MIME runs far over ``max_bytes`` as too large;
    a failure of the whole request raises.
    """
    service = StreamingGetItem(account, item_ids, max_bytes)
    try:
        yield from service.call(
            items=[ItemId(id=item_id) for item_id in item_ids],
            additional_fields=MIME_FIELDS,
            shape=ID_ONLY,
        )
    except CutOff as error:
        raise cut_off("GetItem") from error
    if service.delivered != len(item_ids):
        raise TopicError(
            "unexpected-error",
            f"the server answered {service.delivered} items for {len(item_ids)} requested",
        )
