"""Refusing XML that declares a document type, before any parser sees it.

exchangelib parses EWS answers with lxml (``resolve_entities=False``,
``recover=True``, ``huge_tree=True``); what stops an entity bomb there today is
the installed libxml2's amplification limit, not exsync. No Exchange server
sends a DTD, so exsync refuses any answer whose prolog declares one with an
internal subset or entities, or one for another root than ``html`` (error
pages are HTML and may start ``<!DOCTYPE html>``; they are not refused).

Only the prolog is read (a DTD cannot come later), at most
:data:`MAX_PROLOG_BYTES`. UTF-16/32 are read by dropping NUL bytes; a declared
encoding outside :data:`SAFE_ENCODINGS` (UTF-7, EBCDIC can spell ``<!DOCTYPE``
in bytes this check would not see) is refused too.
"""

from __future__ import annotations

import re

MAX_PROLOG_BYTES = 64 * 1024
SAFE_ENCODINGS = frozenset(
    {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin1", "latin-1", "windows-1252"}
    | {"utf-16", "utf-16le", "utf-16be", "utf-32", "utf-32le", "utf-32be"}
)
_EBCDIC_START = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_STARTS = (_EBCDIC_START, *_BOMS)
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DOCTYPE_ROOT = re.compile(rb"<!doctype\s+([^\s>\[]+)", re.IGNORECASE)


class UnsafeXml(ValueError):
    """The prolog declares something exsync refuses; the message says what."""


def _too_long() -> UnsafeXml:
    return UnsafeXml(
        f"the XML prolog is longer than {MAX_PROLOG_BYTES // 1024} KiB; no Exchange server "
        "sends that"
    )


class PrologCheck:
    """Feed a body's first chunks; raises :class:`UnsafeXml` as soon as the prolog is refused.

    ``done`` turns True once the root element (or something that is not XML)
    starts: the rest of the body needs no look.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._raw_seen = 0
        self.done = False

    def feed(self, chunk: bytes) -> None:
        """Look at the next bytes of the body."""
        if self.done or not chunk:
            return
        self._raw_seen += len(chunk)
        self._buffer.extend(chunk.replace(b"\x00", b""))
        self._scan()
        if not self.done and self._raw_seen > MAX_PROLOG_BYTES:
            raise _too_long()

    def _scan(self) -> None:
        data = bytes(self._buffer)
        if data.startswith(_EBCDIC_START):
            raise UnsafeXml("the answer is XML in EBCDIC, which exsync does not read")
        if any(len(data) < len(start) and start.startswith(data) for start in _STARTS):
            return  # need more bytes to tell
        for bom in _BOMS:
            if data.startswith(bom):
                data = data[len(bom) :]
                break
        position = 0
        while True:
            while position < len(data) and data[position : position + 1].isspace():
                position += 1
            rest = data[position:]
            if len(rest) < 4 and (not rest or rest.startswith(b"<")):
                return  # need more bytes to tell "<?", "<!--", "<!" and "<root" apart
            if position > MAX_PROLOG_BYTES:
                raise _too_long()
            if not rest.startswith(b"<"):
                self.done = True  # not XML at all: nothing a parser could expand
                return
            if rest.startswith(b"<?"):
                end = rest.find(b"?>")
                if end < 0:
                    return
                self._check_declaration(rest[: end + 2])
                position += end + 2
            elif rest.startswith(b"<!--"):
                end = rest.find(b"-->", 4)
                if end < 0:
                    return
                position += end + 3
            elif rest.startswith(b"<!"):
                end = rest.find(b">")
                if end < 0:
                    self._check_partial(rest)
                    return
                self._check_doctype(rest[: end + 1])
                position += end + 1
            else:
                self.done = True  # the root element starts: past the prolog
                return

    @staticmethod
    def _check_declaration(declaration: bytes) -> None:
        match = _ENCODING.search(declaration)
        if match and match.group(1).decode("ascii").lower() not in SAFE_ENCODINGS:
            encoding = match.group(1).decode("ascii")
            raise UnsafeXml(f"the XML declares the encoding {encoding!r}, which exsync refuses")

    @staticmethod
    def _check_partial(start: bytes) -> None:
        """A declaration whose end has not arrived: refuse early what is refused anyway."""
        lowered = start.lower()
        if b"[" in lowered or b"<!entity" in lowered:
            raise UnsafeXml("the XML declares entities (a DTD), which no Exchange server sends")
        if len(lowered) >= len(b"<!doctype") and not lowered.startswith(b"<!doctype"):
            raise UnsafeXml("the XML prolog holds a declaration other than DOCTYPE")

    @staticmethod
    def _check_doctype(declaration: bytes) -> None:
        lowered = declaration.lower()
        if not lowered.startswith(b"<!doctype"):
            raise UnsafeXml("the XML prolog holds a declaration other than DOCTYPE")
        root = _DOCTYPE_ROOT.match(declaration)
        if b"[" in declaration or b"<!entity" in lowered:
            raise UnsafeXml("the XML declares entities (a DTD), which no Exchange server sends")
        if root is None or root.group(1).lower() != b"html":
            raise UnsafeXml("the XML has a document type declaration; no Exchange server sends one")
