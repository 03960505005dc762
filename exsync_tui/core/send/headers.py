"""A message's header block as raw bytes: read fields, drop some, add one, body untouched.

Re-serialising a message with :mod:`email` refolds headers and may re-encode the
body, so a signed (PGP/MIME, S/MIME, DKIM) message would no longer verify. Only
the header fields a sender must change are touched here; every other byte stays.
Used by ``exsync send`` and by the sandbox (which strips Bcc as Exchange does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FIELD_NAME = re.compile(rb"^[!-9;-~]+:")  # RFC 5322 ftext: printable ASCII except ':'
_BLANK_LINE = re.compile(rb"\r?\n(\r?\n)")


class HeaderError(ValueError):
    """Input that does not start with an RFC 5322 header block."""


@dataclass(frozen=True)
class RawMessage:
    """The header fields (each with its folded lines and line end) and the rest, verbatim."""

    fields: tuple[bytes, ...]
    separator: bytes
    body: bytes

    @classmethod
    def parse(cls, raw: bytes) -> RawMessage:
        """Split ``raw`` into fields and body; :class:`HeaderError` when there are no headers."""
        match = _BLANK_LINE.search(raw)
        head, separator, body = (
            (raw[: match.start(1)], match.group(1), raw[match.end() :])
            if match
            else (raw, b"", b"")
        )
        fields: list[bytes] = []
        for line in head.splitlines(keepends=True):
            if line[:1] in (b" ", b"\t") and fields:
                fields[-1] += line  # a folded continuation of the previous field
            elif _FIELD_NAME.match(line):
                fields.append(line)
            else:
                shown = line[:60].decode("ascii", "replace").rstrip()
                raise HeaderError(f"not a header line: {shown!r}")
        if not fields:
            raise HeaderError("the message has no header fields")
        if fields[-1][-1:] != b"\n":
            fields[-1] += b"\r\n" if b"\r\n" in raw else b"\n"
        return cls(tuple(fields), separator, body)

    @property
    def line_end(self) -> bytes:
        """The line ending the header block uses."""
        return b"\r\n" if self.fields[0].endswith(b"\r\n") else b"\n"

    def values(self, name: str) -> list[str]:
        """The unfolded values of every field called ``name`` (case-insensitive)."""
        wanted = name.lower().encode("ascii")
        found = []
        for field in self.fields:
            key, _, value = field.partition(b":")
            if key.strip().lower() == wanted:
                unfolded = re.sub(rb"\r?\n(?=[ \t])", b"", value).strip()
                found.append(unfolded.decode("utf-8", "surrogateescape"))
        return found

    def without(self, *names: str) -> RawMessage:
        """This message with every field of those names removed."""
        drop = {n.lower().encode("ascii") for n in names}
        kept = tuple(f for f in self.fields if f.partition(b":")[0].strip().lower() not in drop)
        return RawMessage(kept, self.separator, self.body)

    def with_field(self, name: str, value: str) -> RawMessage:
        """This message with ``Name: value`` added at the end of the header block."""
        line = f"{name}: {value}".encode("ascii") + self.line_end
        return RawMessage((*self.fields, line), self.separator, self.body)

    def to_bytes(self) -> bytes:
        """The message again, byte for byte except the changed fields."""
        return b"".join(self.fields) + self.separator + self.body


def strip_bcc(raw: bytes) -> bytes:
    """``raw`` without its Bcc fields (what the recipients of a sent message see)."""
    return RawMessage.parse(raw).without("Bcc", "Resent-Bcc").to_bytes()
