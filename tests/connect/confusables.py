"""Addresses that name a trusted host to one URL parser and an attacker's host to another.

Generated from parts rather than listed, so a new parser quirk in any join or
prefix is covered in every place an address enters exsync.
"""

from __future__ import annotations

import itertools

ATTACKER = "attacker.test"

# What may stand between the attacker's host and the trusted one.
JOINS = (
    "\\@",
    "\\\\@",
    "%5C@",
    "%5c@",
    "\\/@",
    "@",
    ":@",
    ":443@",
    ":443\\@",
    "#@",
    "?@",
    ";@",
    "/@",
    "%40",
    "%2540",
    "\\.",
    "%2e",
    "\u3002",  # ideographic full stop: IDNA maps it to "."
    "\uff0e",  # fullwidth full stop
    "\uff20",  # fullwidth commercial at
    "\t",
    "%09",
    "%00",
    "\x00",
    "\\\\",
    " ",
    "&@",
    "[@]",
)
PREFIXES = ("https://", "HTTPS://", "https:\\\\", "https:/\\", "https:///")


def confusable_urls(trusted: str, path: str, prefixes: tuple[str, ...] = PREFIXES) -> list[str]:
    """Every prefix and join around ATTACKER and ``trusted``, and userinfo the other way round."""
    urls = [
        f"{prefix}{ATTACKER}{join}{trusted}{path}"
        for prefix, join in itertools.product(prefixes, JOINS)
    ]
    urls += [
        f"https://{trusted}@{ATTACKER}{path}",
        f"https://{trusted}%40{ATTACKER}{path}",
        f"https://{trusted}.{ATTACKER}{path}",
        f"https://{trusted}:443@{ATTACKER}{path}",
    ]
    return urls


def confusable_domains(trusted: str) -> list[str]:
    """Domains (for an email address or an SRV target) that smuggle ATTACKER in front."""
    return [f"{ATTACKER}{join}{trusted}" for join in ("#.", "/.", "?.", "\\.", ":443.", "%2f")]


def header_safe(url: str) -> bool:
    """True when ``url`` can stand in an HTTP header (no control characters)."""
    return not any(ord(char) < 32 or ord(char) == 127 for char in url) and url.isascii()
