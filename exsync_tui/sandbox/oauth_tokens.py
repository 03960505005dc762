"""Bearer tokens the sandbox's OAuth authority issues and its Graph endpoints accept.

One registry per running sandbox, shared by the authority (which issues and
rotates tokens), the Graph subset (which resolves a bearer token to its
mailbox) and the control API (which expires or revokes them for tests). Tokens
are random and opaque, as Entra ID's are to a client.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

DEFAULT_ACCESS_LIFETIME_S = 3600


@dataclass(frozen=True)
class AccessGrant:
    """Who an access token belongs to, what it may do, and until when (epoch seconds)."""

    email: str
    scopes: tuple[str, ...]
    expires_at: float


@dataclass
class TokenRegistry:
    """Access tokens by value; thread-safe."""

    _grants: dict[str, AccessGrant] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue_access(
        self,
        email: str,
        scopes: tuple[str, ...] = (),
        lifetime_s: float = DEFAULT_ACCESS_LIFETIME_S,
    ) -> str:
        """A new access token for ``email``, valid for ``lifetime_s`` seconds."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._grants[token] = AccessGrant(email.lower(), scopes, time.time() + lifetime_s)
        return token

    def resolve(self, token: str) -> AccessGrant | None:
        """The grant behind a bearer token, or None when unknown, expired or revoked."""
        with self._lock:
            grant = self._grants.get(token)
        if grant is None or grant.expires_at <= time.time():
            return None
        return grant

    def expire_access(self, email: str | None = None) -> int:
        """Make the access tokens of ``email`` (or everyone) expired now; how many there were."""
        now = time.time()
        wanted = email.lower() if email else None
        with self._lock:
            names = [t for t, g in self._grants.items() if wanted in (None, g.email)]
            for token in names:
                grant = self._grants[token]
                self._grants[token] = AccessGrant(grant.email, grant.scopes, now)
        return len(names)

    def revoke_access(self, email: str) -> int:
        """Forget every access token of ``email``; how many there were."""
        with self._lock:
            names = [t for t, g in self._grants.items() if g.email == email.lower()]
            for token in names:
                del self._grants[token]
        return len(names)
