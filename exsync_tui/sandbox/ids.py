"""Opaque EWS identifiers and the alternate formats `ConvertId` translates between.

An id carries the mailbox number, the object kind and a serial number, so the server can find
the object from the id alone, like Exchange's store ids do. Clients treat them as opaque.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from dataclasses import dataclass

_MAGIC = b"SBX:"
# Leading bytes loosely follow the real formats so ids look the part ("AAMk..." for EwsId).
_PREFIXES = {
    "EwsId": b"\x00\x03\x24",
    "EwsLegacyId": b"\x00\x01\x24",
    "EntryId": b"\x00\x00\x00\x00",
    "HexEntryId": b"\x00\x00\x00\x00",
    "StoreId": b"\x00\x05\x24",
    "OwaId": b"\x00\x07\x24",
}
ID_FORMATS = tuple(_PREFIXES)


@dataclass(frozen=True)
class IdParts:
    """What an id names: the mailbox (0-based), the kind, the serial, and an occurrence index."""

    mailbox: int
    kind: str  # "folder", "item"
    serial: int
    occurrence: int = 0


def _raw(parts: IdParts) -> bytes:
    return f"{parts.mailbox}.{parts.kind}.{parts.serial}.{parts.occurrence}".encode()


def encode_id(parts: IdParts, id_format: str = "EwsId") -> str:
    """The id for `parts` in one of the `ConvertId` formats."""
    payload = _PREFIXES[id_format] + _MAGIC + _raw(parts)
    if id_format == "HexEntryId":
        return binascii.hexlify(payload).decode().upper()
    if id_format == "OwaId":
        return base64.urlsafe_b64encode(payload).decode()
    return base64.b64encode(payload).decode()


def decode_id(value: str) -> tuple[IdParts, str] | None:
    """The parts and format of an id in any supported format, or None when it is not ours."""
    candidates: list[bytes] = []
    with contextlib.suppress(binascii.Error, ValueError):
        candidates.append(binascii.unhexlify(value))
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        with contextlib.suppress(binascii.Error, ValueError):
            candidates.append(decoder(value.encode()))
    for payload in candidates:
        index = payload.find(_MAGIC)
        if index < 0:
            continue
        parts = _parse(payload[index + len(_MAGIC) :])
        if parts is None:
            continue
        return parts, _detect_format(value, payload[:index])
    return None


def _parse(raw: bytes) -> IdParts | None:
    try:
        mailbox, kind, serial, occurrence = raw.decode("ascii").split(".")
        return IdParts(int(mailbox), kind, int(serial), int(occurrence))
    except ValueError:
        return None


def _detect_format(value: str, prefix: bytes) -> str:
    if all(c in "0123456789ABCDEFabcdef" for c in value):
        return "HexEntryId"
    for name, known in _PREFIXES.items():
        if known == prefix:
            return name
    return "EwsId"


def change_key(version: int, serial: int) -> str:
    """A change key that differs for every version of an object."""
    return base64.b64encode(f"CK.{serial}.{version}".encode().rjust(16, b"\x00")).decode()
