"""Server folder names to local directory names that can neither escape the root nor collide.

A folder's display name on the server is arbitrary text: ``..``, ``a/b``, control
characters, 300 bytes of emoji, ``Projects`` beside ``projects``. Locally each one
becomes one directory name, escaped percent-style (``%2F`` for ``/``, ``%25`` for
``%``), so the name stays readable and :func:`decode_name` gives the original back
(unless it was shortened). Three layouts:

- ``verbatim`` (mbsync's ``SubFolders Verbatim``): ``Inbox/Projects``; ``cur``,
  ``new`` and ``tmp`` are reserved because a folder's own Maildir lives there too.
- ``maildir++``: ``.Inbox.Projects`` in the root; ``.`` inside a name is escaped.
- ``flat`` (vdir collections, which khal and vdirsyncer expect side by side):
  ``Calendar.Birthdays``.

Collisions that the escaping cannot prevent (case-only twins, which collide on
case-insensitive filesystems and confuse notmuch users who sync there; shortened
names) are resolved by :func:`child_path`, which knows the paths already taken and
adds ``~`` and a short hash of the original name. Paths are assigned once and then
kept by the caller (the sync state), so a sibling appearing later never renames a
folder that already has its directory.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from enum import StrEnum

MAX_NAME_BYTES = 255
"""Longest file name most filesystems (ext4, btrfs, APFS, NTFS) accept, in bytes."""

_HASH_CHARS = 8
_RESERVED_VERBATIM = frozenset({"cur", "new", "tmp"})
_HEX = frozenset("0123456789ABCDEFabcdef")
_EMPTY = "%"  # '%' alone can never come out of escaping, so it cannot collide


class Layout(StrEnum):
    """How nested folders map to directories."""

    VERBATIM = "verbatim"
    MAILDIRPP = "maildir++"
    FLAT = "flat"


def _must_escape(char: str, layout: Layout) -> bool:
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return True  # C0/C1 controls and NUL: invisible, and NUL ends a C string
    if char in "%/\\":
        return True
    if layout is not Layout.VERBATIM and char == ".":
        return True  # the hierarchy separator of maildir++ and flat names
    # Unicode line/paragraph separators and BOM-like invisibles trip up terminals.
    return unicodedata.category(char) in {"Zl", "Zp", "Cf", "Cs"}


def _escape(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))


def _short_hash(name: str) -> str:
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:_HASH_CHARS]


def escape_name(name: str, layout: Layout = Layout.VERBATIM) -> str:
    """Escape one display name for ``layout``, without shortening it.

    Injective: two different names never give the same result.
    """
    if name == "":
        return _EMPTY
    out = "".join(_escape(c) if _must_escape(c, layout) else c for c in name)
    if out.startswith("."):
        out = "%2E" + out[1:]  # '.', '..' and hidden names
    if layout is Layout.VERBATIM and out.casefold() in _RESERVED_VERBATIM:
        out = _escape(out[0]) + out[1:]
    return out


def decode_name(encoded: str) -> str:
    """The display name that :func:`escape_name` turned into ``encoded``.

    A name that was shortened or given a ``~hash`` suffix decodes to its readable
    prefix, not to the original.
    """
    if encoded == _EMPTY:
        return ""
    raw = bytearray()
    i = 0
    while i < len(encoded):
        char = encoded[i]
        hex_pair = encoded[i + 1 : i + 3]
        if (
            char == "%"
            and len(hex_pair) == 2
            and all(h in "0123456789ABCDEFabcdef" for h in hex_pair)
        ):
            raw.append(int(hex_pair, 16))
            i += 3
        else:
            raw.extend(char.encode("utf-8", "surrogatepass"))
            i += 1
    return raw.decode("utf-8", "replace")


def _truncate(encoded: str, limit: int) -> str:
    """Cut ``encoded`` to at most ``limit`` UTF-8 bytes, never inside a character or escape."""
    out: list[str] = []
    used = 0
    i = 0
    while i < len(encoded):
        token = encoded[i : i + 3] if encoded[i] == "%" else encoded[i]
        size = len(token.encode("utf-8", "surrogatepass"))
        if used + size > limit:
            break
        out.append(token)
        used += size
        i += len(token)
    return "".join(out)


def _with_suffix(encoded: str, suffix: str) -> str:
    """``encoded`` + ``suffix``, shortened so the whole fits in :data:`MAX_NAME_BYTES`."""
    return _truncate(encoded, MAX_NAME_BYTES - len(suffix.encode())) + suffix


def encode_name(name: str, layout: Layout = Layout.VERBATIM) -> str:
    """Escape ``name`` and shorten it to :data:`MAX_NAME_BYTES` (keeping a hash of the original)."""
    encoded = escape_name(name, layout)
    if len(encoded.encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES:
        return encoded
    return _with_suffix(encoded, "~" + _short_hash(name))


def collision_key(path: str) -> str:
    """What two paths must differ in to be distinct on every filesystem a user may sync to.

    Case-insensitive (NTFS, APFS, exFAT) and normalisation-insensitive (HFS+ stores NFD).
    """
    return unicodedata.normalize("NFC", path).casefold()


def _join(parent: str, component: str, layout: Layout) -> str:
    if layout is Layout.VERBATIM:
        return f"{parent}/{component}" if parent else component
    if layout is Layout.MAILDIRPP:
        return f"{parent}.{component}" if parent else f".{component}"
    return f"{parent}.{component}" if parent else component


def _fit(path: str, layout: Layout, original: str) -> str:
    """Keep the last path element of ``path`` within :data:`MAX_NAME_BYTES`."""
    if layout is Layout.VERBATIM:
        return path  # each component was already fitted by encode_name
    if len(path.encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES:
        return path
    # maildir++ and flat put the whole hierarchy into one directory name.
    return _with_suffix(path, "~" + _short_hash(original))


def child_path(
    parent: str, name: str, layout: Layout = Layout.VERBATIM, taken: Iterable[str] = ()
) -> str:
    """The local path, relative to the root, for folder ``name`` inside ``parent``.

    ``parent`` is the parent's local path ("" for a top-level folder); ``taken`` are
    the local paths already in use (any folders; only collisions matter). Deterministic
    for the same arguments. The result never contains ``..`` or an absolute part, and
    its collision key differs from every path in ``taken``.
    """
    used = {collision_key(t) for t in taken}
    candidate = _fit(_join(parent, encode_name(name, layout), layout), layout, parent + "\0" + name)
    attempt = 0
    while collision_key(candidate) in used:
        # Case-only twin, or a shortened name: add a hash of the exact original text,
        # then of a counter in the rare case that name is taken too.
        attempt += 1
        seed = name if attempt == 1 else f"{name}\0{attempt}"
        suffix = "~" + _short_hash(seed)
        component = _with_suffix(escape_name(name, layout), suffix)
        candidate = _fit(_join(parent, component, layout), layout, parent + "\0" + seed)
    return candidate


def path_for(names: Sequence[str], layout: Layout = Layout.VERBATIM) -> str:
    """The local path of a folder given its display names from the root, with no siblings.

    ``["Inbox", "Projects"]`` → ``Inbox/Projects`` (verbatim) or ``.Inbox.Projects``
    (maildir++). Use :func:`child_path` when siblings may collide.
    """
    path = ""
    for name in names:
        path = child_path(path, name, layout)
    return path
