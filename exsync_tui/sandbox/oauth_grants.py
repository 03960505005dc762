"""What the sandbox authority remembers between requests: device codes, codes, refresh tokens.

Access tokens live in the shared :class:`~exsync_tui.sandbox.oauth_tokens.TokenRegistry`
(the Graph endpoints read it); everything only the authority needs lives here.
Refresh tokens rotate: each use returns a new one and retires the old, so a
client that keeps a stale token cache is caught. Thread-safe.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum

from exsync_tui.sandbox.oauth_tokens import DEFAULT_ACCESS_LIFETIME_S

DEVICE_CODE_LIFETIME_S = 900  # Entra's
DEVICE_CODE_INTERVAL_S = 1  # Entra says 5; tests should not wait that long between polls
REFRESH_LIFETIME_S = 90 * 24 * 3600
AUTH_CODE_LIFETIME_S = 600
_USER_CODE_ALPHABET = string.ascii_uppercase + string.digits


class DeviceState(StrEnum):
    """Where a device code stands."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    REDEEMED = "redeemed"


@dataclass
class DeviceCode:
    """One device-code sign-in waiting for (or given) the user's answer."""

    device_code: str
    user_code: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    interval_s: int
    state: DeviceState = DeviceState.PENDING
    email: str | None = None
    last_poll: float = 0.0


@dataclass(frozen=True)
class RefreshGrant:
    """Who a refresh token signs in, for which client and scopes, until when."""

    email: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float


@dataclass(frozen=True)
class AuthCode:
    """An authorization code waiting to be redeemed (with its PKCE challenge)."""

    email: str
    client_id: str
    scopes: tuple[str, ...]
    redirect_uri: str
    code_challenge: str
    nonce: str
    expires_at: float


@dataclass
class RefreshOutcome:
    """A refresh token's verdict: the grant, or the AADSTS code refusing it."""

    grant: RefreshGrant | None = None
    refused_code: int | None = None


@dataclass
class OAuthGrants:
    """The authority's memory; one per sandbox."""

    device_interval_s: int = DEVICE_CODE_INTERVAL_S
    access_lifetime_s: float = DEFAULT_ACCESS_LIFETIME_S
    _devices: dict[str, DeviceCode] = field(default_factory=dict)
    _refresh: dict[str, RefreshGrant] = field(default_factory=dict)
    _retired: dict[str, int] = field(default_factory=dict)  # token -> AADSTS code it now gets
    _codes: dict[str, AuthCode] = field(default_factory=dict)
    _armed: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- device codes ------------------------------------------------------------------------

    def new_device_code(self, client_id: str, scopes: tuple[str, ...]) -> DeviceCode:
        """Start a device-code sign-in."""
        user_code = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(9))
        device = DeviceCode(
            device_code=secrets.token_urlsafe(48),
            user_code=user_code,
            client_id=client_id,
            scopes=scopes,
            expires_at=time.time() + DEVICE_CODE_LIFETIME_S,
            interval_s=self.device_interval_s,
        )
        with self._lock:
            self._devices[device.device_code] = device
        return device

    def device(self, device_code: str) -> DeviceCode | None:
        """The device code's record (None when unknown)."""
        with self._lock:
            return self._devices.get(device_code)

    def _by_user_code(self, user_code: str) -> DeviceCode:
        wanted = user_code.strip().upper().replace("-", "")
        for device in self._devices.values():
            if device.user_code == wanted:
                return device
        raise LookupError(f"no device code with user code {user_code!r}")

    def answer_device_code(self, user_code: str, email: str | None, approved: bool) -> str:
        """The user approved (signing in as ``email``) or declined; returns the client id."""
        with self._lock:
            device = self._by_user_code(user_code)
            if device.state is not DeviceState.PENDING:
                raise ValueError(f"user code {user_code!r} is already {device.state.value}")
            device.state = DeviceState.APPROVED if approved else DeviceState.DECLINED
            device.email = email.lower() if email else None
            return device.client_id

    def expire_device_code(self, user_code: str) -> None:
        """Make the device code expired now."""
        with self._lock:
            self._by_user_code(user_code).expires_at = time.time()

    def pending_user_codes(self) -> list[str]:
        """User codes still waiting for an answer, oldest first."""
        with self._lock:
            return [
                d.user_code
                for d in self._devices.values()
                if d.state is DeviceState.PENDING and d.expires_at > time.time()
            ]

    def poll(self, device: DeviceCode) -> float:
        """Record a poll; returns the seconds since the previous one (inf for the first)."""
        now = time.monotonic()
        with self._lock:
            since = now - device.last_poll if device.last_poll else float("inf")
            device.last_poll = now
        return since

    def redeem(self, device: DeviceCode) -> None:
        """The device code's tokens were issued: it cannot be used again."""
        with self._lock:
            device.state = DeviceState.REDEEMED

    # -- refresh tokens ----------------------------------------------------------------------

    def new_refresh(self, email: str, client_id: str, scopes: tuple[str, ...]) -> str:
        """A refresh token for ``email``."""
        token = secrets.token_urlsafe(48)
        grant = RefreshGrant(email.lower(), client_id, scopes, time.time() + REFRESH_LIFETIME_S)
        with self._lock:
            self._refresh[token] = grant
        return token

    def use_refresh(self, token: str, client_id: str) -> RefreshOutcome:
        """Redeem a refresh token: its grant (the token is retired), or why it is refused."""
        with self._lock:
            if token in self._retired:
                return RefreshOutcome(refused_code=self._retired[token])
            grant = self._refresh.pop(token, None)
            if grant is None or grant.client_id != client_id:
                if grant is not None:
                    self._refresh[token] = grant
                return RefreshOutcome(refused_code=70043)
            if grant.expires_at <= time.time():
                self._retired[token] = 70043
                return RefreshOutcome(refused_code=70043)
            self._retired[token] = 70043  # rotated: the old one is spent
            return RefreshOutcome(grant=grant)

    def _retire(self, email: str | None, code: int) -> int:
        wanted = email.lower() if email else None
        with self._lock:
            names = [t for t, g in self._refresh.items() if wanted in (None, g.email)]
            for token in names:
                del self._refresh[token]
                self._retired[token] = code
        return len(names)

    def expire_refresh(self, email: str | None = None) -> int:
        """Expire the refresh tokens of ``email`` (or everyone's): AADSTS70043 from now on."""
        return self._retire(email, 70043)

    def revoke_refresh(self, email: str) -> int:
        """Revoke ``email``'s refresh tokens (as "revoke sessions" does): AADSTS50173."""
        return self._retire(email, 50173)

    # -- authorization codes -----------------------------------------------------------------

    def new_auth_code(self, code: AuthCode) -> str:
        """Remember an authorization code; returns its value."""
        value = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[value] = code
        return value

    def take_auth_code(self, value: str) -> AuthCode | None:
        """The code's record, once (a code is single use); None when unknown or expired."""
        with self._lock:
            code = self._codes.pop(value, None)
        if code is None or code.expires_at <= time.time():
            return None
        return code

    # -- errors on demand --------------------------------------------------------------------

    def arm(self, code: int) -> None:
        """The next token request that would succeed fails with AADSTS ``code`` instead."""
        with self._lock:
            self._armed.append(code)

    def take_armed(self) -> int | None:
        """The armed AADSTS code to answer with now, if any (used once)."""
        with self._lock:
            return self._armed.pop(0) if self._armed else None
