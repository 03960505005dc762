"""Reading answers within bounds: a size cap, the scope's deadline, no DTD, sensible chunks.

Every response the adapter builds is a :class:`BoundedResponse`, whichever code
reads it (requests' ``.content``, exchangelib's parser, a future streaming
reader):

- no more than a cap is read (:data:`SMALL_RESPONSE_MAX_BYTES` for connect and
  the doctor, :data:`EWS_RESPONSE_MAX_BYTES` for exchangelib's EWS answers), so
  no server decides how much memory exsync uses; the cap counts decoded bytes,
  so a compressed bomb is stopped too;
- a body still arriving when the thread's deadline passes ends with
  :class:`~exsync_tui.core.net.errors.DeadlineExceededError`;
- an XML prolog that declares a DTD is refused before any parser sees it
  (:mod:`.xml_guard`);
- ``iter_content()`` without a chunk size hands a body already in memory out in
  64 KiB slices instead of requests' 1 byte: exchangelib parses every SOAP
  answer that way, and 1-byte slices made it ten times slower. A body not yet
  read keeps the 1-byte default, which exchangelib's streaming
  ``DocumentYielder`` relies on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from requests import Response
from requests.utils import stream_decode_response_unicode

from exsync_tui.core.net.errors import (
    DeadlineExceededError,
    ResponseRejectedError,
    ResponseTooLargeError,
    UnsafeXmlError,
)
from exsync_tui.core.net.scope import NetScope
from exsync_tui.core.net.xml_guard import PrologCheck, UnsafeXml

SMALL_RESPONSE_MAX_BYTES = 4 * 1024 * 1024
"""Autodiscover, sign-in probes, the doctor and connect's EWS calls: their answers are a few KiB."""

EWS_RESPONSE_MAX_BYTES = 200 * 1024 * 1024
"""One EWS answer outside connect (sync). Exchange Online's largest message is 150 MB; a GetItem
answer carries its MIME in base64 (4/3 larger), so one such message fits, with its envelope."""

PARSE_CHUNK_BYTES = 64 * 1024
_REQUESTS_DEFAULT_CHUNK = 1
_UNSET = -1


class BoundedResponse(Response):
    """A requests Response whose body is read within a size cap and the scope's deadline."""

    max_bytes: int | None = None
    scope: NetScope | None = None

    def iter_content(
        self, chunk_size: int | None = _UNSET, decode_unicode: bool = False
    ) -> Iterator[Any]:
        if self._content_consumed and isinstance(self._content, bytes):
            # Already in memory, checked while it was read: only the slicing matters.
            size = PARSE_CHUNK_BYTES if chunk_size == _UNSET else chunk_size
            if decode_unicode:
                return super().iter_content(size, decode_unicode=True)
            return super().iter_content(size)
        size = _REQUESTS_DEFAULT_CHUNK if chunk_size == _UNSET else chunk_size
        chunks = _guarded(super().iter_content(size, False), self)
        if decode_unicode:
            return stream_decode_response_unicode(chunks, self)
        return chunks


def bounded(response: Response, max_bytes: int | None, scope: NetScope | None) -> Response:
    """Make ``response`` a :class:`BoundedResponse` with this cap and scope."""
    response.__class__ = BoundedResponse
    assert isinstance(response, BoundedResponse)
    response.max_bytes = max_bytes
    response.scope = scope
    return response


def _guarded(chunks: Iterator[bytes], response: BoundedResponse) -> Iterator[bytes]:
    limit, scope = response.max_bytes, response.scope
    prolog = PrologCheck()
    total = 0
    try:
        for chunk in chunks:
            total += len(chunk)
            if limit is not None and total > limit:
                raise ResponseTooLargeError(limit, response.url)
            if not prolog.done:
                try:
                    prolog.feed(chunk)
                except UnsafeXml as error:
                    raise UnsafeXmlError(str(error), response.url) from error
            if scope is not None:
                scope.check_deadline()
            yield chunk
    except (ResponseRejectedError, DeadlineExceededError):
        response.close()  # never read the rest: the connection is dropped, not reused
        raise
    except Exception as error:
        if scope is not None and scope.expired:
            response.close()
            raise DeadlineExceededError(scope.budget_s) from error
        raise
