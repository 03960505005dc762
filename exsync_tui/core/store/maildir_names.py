"""Maildir file names: unique base names, the ``:2,FLAGS`` suffix, and recognising renamed files.

A message file is ``<base>`` in ``new/`` or ``<base>:2,<flags>`` in ``cur/``. Mail
clients (notmuch, neomutt, mbsync) rename files between syncs to change flags or to
move them from ``new/`` to ``cur/``, and mbsync may insert ``,U=<uid>`` into the base;
:func:`base_of` strips all of that, so a renamed file is still the same message.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import socket
import time
from dataclasses import dataclass

INFO_SEPARATOR = ":2,"
MANAGED_FLAGS = frozenset("DFRST")
"""Flags exsync sets from the server: Draft, Flagged, Replied, Seen, Trashed.

Other flags a client sets (``P`` passed, lowercase keywords) are kept on renames.
"""

_OUR_BASE = re.compile(r"^\d+\.M\d+P\d+Q\d+R[0-9a-f]{16}\.")
_MBSYNC_UID = re.compile(r",U=\d+")
_counter = itertools.count(1)


def _hostname() -> str:
    # The Maildir spec: '/' and ':' in the host name are written as octal escapes.
    host = socket.gethostname() or "localhost"
    return host.replace("/", r"\057").replace(":", r"\072")


def new_base() -> str:
    """A fresh unique base name: ``<secs>.M<usecs>P<pid>Q<n>R<random>.<host>``.

    Time, process, a per-process counter and 64 random bits: unique even across
    processes that share a pid (containers) and clocks that step back.
    """
    now = time.time_ns()
    secs, usecs = divmod(now // 1000, 1_000_000)
    random_part = secrets.token_hex(8)
    return f"{secs}.M{usecs}P{os.getpid()}Q{next(_counter)}R{random_part}.{_hostname()}"


def is_our_base(name: str) -> bool:
    """True when ``name`` (a base or a file name) was made by :func:`new_base`."""
    return _OUR_BASE.match(name) is not None


def normalize_flags(flags: str) -> str:
    """Flags as Maildir wants them: each once, in ASCII order."""
    return "".join(sorted(set(flags)))


def validate_flags(flags: str) -> str:
    """Normalise ``flags``, refusing characters that cannot be Maildir flags."""
    for char in flags:
        if not (char.isascii() and char.isalpha()):
            raise ValueError(f"flags: {char!r} is not a Maildir flag (letters only)")
    return normalize_flags(flags)


@dataclass(frozen=True)
class MessageName:
    """A message file name split into its parts."""

    stem: str
    """Everything before the ``:`` info part, as the file has it (mbsync's ``,U=`` included)."""
    base: str
    """The stable part: what identifies the message across client renames."""
    flags: str
    """The flags after ``:2,`` (empty when there is none)."""
    has_info: bool
    """Whether the name carries a ``:2,`` suffix at all."""


def parse_name(file_name: str) -> MessageName:
    """Split a file name from ``cur/`` or ``new/``."""
    stem, sep, flags = file_name.partition(INFO_SEPARATOR)
    if not sep:
        # Some clients write ':1,' (experimental) or a bare ':'; the base ends there too.
        stem = file_name.split(":", 1)[0]
        flags = ""
    return MessageName(
        stem=stem, base=base_of(stem), flags=normalize_flags(flags), has_info=bool(sep)
    )


def base_of(stem: str) -> str:
    """The base of a file name stem, without mbsync's ``,U=<uid>`` insert."""
    return _MBSYNC_UID.sub("", stem.split(":", 1)[0])


def file_name(stem: str, flags: str | None) -> str:
    """``stem`` for ``new/`` (``flags`` None), or ``stem:2,FLAGS`` for ``cur/``."""
    if flags is None:
        return stem
    return f"{stem}{INFO_SEPARATOR}{normalize_flags(flags)}"


def merge_flags(current: str, managed: str) -> str:
    """``managed`` (from the server) replacing exsync's flags in ``current``, others kept."""
    kept = {c for c in current if c not in MANAGED_FLAGS}
    return normalize_flags("".join(kept) + managed)
