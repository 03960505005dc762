"""Removing secrets from text: log records, reports, error messages.

Two layers, because neither alone is enough: patterns catch what secrets look
like (Authorization and cookie headers, NTLM/Basic/Bearer blobs, JWTs, password
and token fields in any of the syntaxes exchangelib and requests print), and a
registry of the actual secret values in use catches a password wherever it
appears, however it was quoted.
"""

from __future__ import annotations

import re
import threading
import weakref

REDACTED = "[redacted]"

_AUTH_SCHEMES = r"(?:NTLM|Negotiate|Kerberos|Basic|Bearer|Digest)"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Header lines and dict reprs: Authorization: X / 'Authorization': 'X' / "Cookie": "X"
    (
        re.compile(
            r"(?P<key>['\"]?(?:proxy-)?(?:authorization|cookie|set-cookie|www-authenticate-token)"
            r"['\"]?\s*[:=]\s*)(?P<quote>['\"]?)(?P<value>[^'\"\r\n]*)(?P=quote)",
            re.IGNORECASE,
        ),
        rf"\g<key>\g<quote>{REDACTED}\g<quote>",
    ),
    # A scheme followed by a credential blob anywhere else (WWW-Authenticate challenges too).
    (
        re.compile(
            # Case-insensitive scheme; the blob must hold a capital, digit or base64 sign,
            # so prose such as "NTLM accepted (server offers ...)" stays readable.
            rf"\b(?P<scheme>(?i:{_AUTH_SCHEMES}))\s+"
            r"(?=[A-Za-z0-9+/=._~-]*[A-Z0-9+/=])[A-Za-z0-9+/=._~-]{12,}"
        ),
        rf"\g<scheme> {REDACTED}",
    ),
    # Bare NTLM messages (base64 of "NTLMSSP\0") and pyspnego's step logging of any token.
    (re.compile(r"TlRMTVNTUAA[A-Za-z0-9+/=]*"), REDACTED),
    (re.compile(r"(?P<key>\bstep (?:input|output): )\S+"), rf"\g<key>{REDACTED}"),
    # JSON web tokens.
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    # password=..., 'password': '...', "access_token": "...", client_secret, refresh_token...
    # A parenthesised remark in words ("password: (not included)") is prose, not a value.
    (
        re.compile(
            r"(?P<key>['\"]?\b(?:password|passwd|pwd|secret|client_secret|access_token|"
            r"refresh_token|id_token|token|code_verifier|device_code)['\"]?\s*[:=]\s*)"
            r"(?!\s*\([a-z]+(?: [a-z]+)*\)(?:$|[\s,;.]))"
            r"(?P<quote>['\"]?)(?P<value>[^'\"\s,;&}]*)(?P=quote)",
            re.IGNORECASE,
        ),
        rf"\g<key>\g<quote>{REDACTED}\g<quote>",
    ),
    # XML elements that carry secrets.
    (
        re.compile(
            r"(<(?:\w+:)?(?P<tag>Password|BinarySecret|Token)\b[^>]*>)[^<]*(</(?:\w+:)?(?P=tag)>)",
            re.IGNORECASE,
        ),
        rf"\1{REDACTED}\3",
    ),
    # user:password@ in URLs.
    (
        re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.IGNORECASE),
        r"\g<scheme>",
    ),
)

_MIN_SECRET_LENGTH = 3  # shorter values would redact ordinary words


class _SecretRegistry:
    """The secret values currently in use, held only while their owner holds them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, int] = {}

    def add(self, value: str) -> None:
        if len(value) < _MIN_SECRET_LENGTH:
            return
        with self._lock:
            self._values[value] = self._values.get(value, 0) + 1

    def discard(self, value: str) -> None:
        with self._lock:
            count = self._values.get(value, 0) - 1
            if count <= 0:
                self._values.pop(value, None)
            else:
                self._values[value] = count

    def snapshot(self) -> list[str]:
        with self._lock:
            return sorted(self._values, key=len, reverse=True)


_SECRETS = _SecretRegistry()


class SecretHandle:
    """Keeps a secret value in the redaction registry until closed or garbage collected."""

    def __init__(self, value: str) -> None:
        self._value = value
        _SECRETS.add(value)
        self._finalizer = weakref.finalize(self, _SECRETS.discard, value)

    def close(self) -> None:
        """Stop redacting this value (idempotent)."""
        self._finalizer()

    def __enter__(self) -> SecretHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "SecretHandle(...)"


def register_secret(value: str) -> SecretHandle:
    """Redact ``value`` everywhere while the returned handle is alive."""
    return SecretHandle(value)


def redact(text: str) -> str:
    """``text`` with every known secret value and secret-looking field replaced."""
    for secret in _SECRETS.snapshot():
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
