"""Reading a SOAP answer as it arrives: one response message at a time, bounded in memory.

exchangelib reads a whole answer into memory and then builds its full tree
before the first item can be used. :class:`SoapStream` is fed the body chunk
by chunk (lxml's pull parser) and hands out each ``m:...ResponseMessage`` (or
the ``s:Fault``) as soon as its end tag has arrived; once the caller has used
it, the next call drops it, so memory holds about one item however large the
answer is.

Bounds, whatever the server sends:

- a document type declaration is refused before the parser sees it
  (:mod:`exsync_tui.core.net.xml_guard`), and the parser resolves nothing;
- a run of more than ``max_text_bytes`` without any tag (one huge text) is not
  held: inside ``t:MimeContent`` the text is skipped up to its end tag and the
  element is marked (:data:`OVER_LIMIT_ATTRIBUTE`), so the item is refused as
  too large and the rest of the answer still comes; anywhere else the answer
  is refused;
- an answer that ends before its envelope does is refused (:class:`CutOff`),
  never taken as a shorter one.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from exsync_tui.core.net.errors import ResponseRejectedError, UnsafeXmlError, format_size
from exsync_tui.core.net.xml_guard import PrologCheck, UnsafeXml

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
MESSAGES_NS = "http://schemas.microsoft.com/exchange/services/2006/messages"
TYPES_NS = "http://schemas.microsoft.com/exchange/services/2006/types"
ENVELOPE = f"{{{SOAP_NS}}}Envelope"
HEADER = f"{{{SOAP_NS}}}Header"
BODY = f"{{{SOAP_NS}}}Body"
FAULT = f"{{{SOAP_NS}}}Fault"
MIME_CONTENT = f"{{{TYPES_NS}}}MimeContent"
OVER_LIMIT_ATTRIBUTE = "exsync-skipped-bytes"
"""Set on a ``t:MimeContent`` whose text was over the limit and skipped (its value: bytes seen)."""


class CutOff(ValueError):
    """The answer ended before its SOAP envelope was complete."""


def mime_text_limit(max_bytes: int) -> int:
    """How much base64 text may stand for ``max_bytes`` of MIME (line breaks and slack included).

    Items a little over ``max_bytes`` still arrive whole and are refused by their
    decoded size; this only keeps an item far over the cap out of memory.
    """
    return max_bytes * 3 // 2 + 64 * 1024


class SoapStream:
    """Feed a SOAP answer's bytes with :meth:`feed`; take finished messages from :meth:`messages`.

    ``message_tag`` is the response message element handed out (for GetItem
    ``{messages}GetItemResponseMessage``); the ``s:Fault`` is handed out the same
    way. ``header`` is the ``s:Header`` once it is complete.
    """

    def __init__(self, message_tag: str, *, max_text_bytes: int) -> None:
        self.message_tag = message_tag
        self.max_text_bytes = max_text_bytes
        self.header: etree._Element | None = None
        self.body_started = False
        self.ended = False
        self._parser = etree.XMLPullParser(
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=True,  # one message may be 150 MB; the text limit bounds it instead
            remove_comments=True,
            remove_pis=True,
        )
        self._prolog = PrologCheck()
        self._ready: list[etree._Element] = []
        self._handed: list[etree._Element] = []
        self._quiet = 0  # bytes fed since the parser last reported a tag
        self._open_mime: etree._Element | None = None
        self._skipping = False

    def feed(self, chunk: bytes) -> None:
        """Parse the next bytes of the body."""
        self._drop_handed()
        if not self._prolog.done:
            try:
                self._prolog.feed(chunk)
            except UnsafeXml as error:
                raise UnsafeXmlError(str(error)) from error
        if self._skipping:
            chunk = self._skip(chunk)
            if not chunk:
                return
        try:
            self._parser.feed(chunk)
        except etree.XMLSyntaxError as error:
            raise ResponseRejectedError(f"the answer is not well-formed XML ({error})") from error
        seen_tag = self._collect()
        self._quiet = 0 if seen_tag else self._quiet + len(chunk)
        if self._quiet > self.max_text_bytes:
            self._over_limit()

    def close(self) -> None:
        """The body has ended: raises :class:`CutOff` unless the envelope was complete."""
        self._drop_handed()
        try:
            self._parser.close()
        except etree.XMLSyntaxError as error:
            raise CutOff(f"the answer ended before its envelope did ({error})") from error
        self._collect()
        if not self.ended:
            raise CutOff("the answer ended before its envelope did")

    def messages(self) -> list[etree._Element]:
        """The messages (or the fault) finished since the last call, in document order.

        They stay usable until the next :meth:`feed` or :meth:`close`, which frees them.
        """
        ready, self._ready = self._ready, []
        self._handed.extend(ready)
        return ready

    def _collect(self) -> bool:
        seen = False
        for event, elem in self._parser.read_events():
            seen = True
            tag = elem.tag
            if event == "start":
                if tag == MIME_CONTENT:
                    self._open_mime = elem
                elif tag == BODY:
                    self.body_started = True
                continue
            if tag == MIME_CONTENT:
                self._open_mime = None
            elif tag == self.message_tag or tag == FAULT:
                self._ready.append(elem)
            elif tag == HEADER:
                self.header = elem
            elif tag == ENVELOPE:
                self.ended = True
        return seen

    def _over_limit(self) -> None:
        if self._open_mime is None:
            raise ResponseRejectedError(
                f"the answer holds a text larger than {format_size(self.max_text_bytes)}"
            )
        self._open_mime.set(OVER_LIMIT_ATTRIBUTE, str(self._quiet))
        self._skipping = True

    def _skip(self, chunk: bytes) -> bytes:
        # base64 text holds no "<": the next one opens the MimeContent end tag.
        end = chunk.find(b"<")
        if end < 0:
            self._quiet += len(chunk)
            return b""
        self._skipping = False
        if self._open_mime is not None:
            self._open_mime.set(OVER_LIMIT_ATTRIBUTE, str(self._quiet + end))
        return chunk[end:]

    def _drop_handed(self) -> None:
        # The caller is done with what it was handed: free it and everything before it.
        for elem in self._handed:
            elem.clear()
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
        self._handed.clear()


def stream_messages(stream: SoapStream, chunks: Iterator[bytes]) -> Iterator[etree._Element]:
    """Every message (or fault) of the answer in ``chunks`` as it completes; then the end check."""
    for chunk in chunks:
        stream.feed(chunk)
        yield from stream.messages()
    stream.close()
    yield from stream.messages()
