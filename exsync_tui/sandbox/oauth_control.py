"""Control-API methods of the OAuth authority: answer device codes, expire, revoke, fail on demand.

A mixin of :class:`~exsync_tui.sandbox.control.Control`, so the HTTP control API
exposes them (:data:`OAUTH_CONTROL_METHODS`) like every other method.
"""

from __future__ import annotations

from exsync_tui.sandbox.oauth_errors import AADSTS
from exsync_tui.sandbox.oauth_grants import OAuthGrants
from exsync_tui.sandbox.store import MailboxStore

OAUTH_CONTROL_METHODS = (
    "approve_device_code",
    "decline_device_code",
    "expire_device_code",
    "pending_device_codes",
    "expire_refresh_tokens",
    "revoke_refresh_tokens",
    "arm_oauth_error",
    "set_access_token_lifetime",
)


class OAuthControl:
    """The authority's part of the control API (mixed into ``Control``)."""

    _store: MailboxStore
    _oauth: OAuthGrants

    def approve_device_code(self, user_code: str, email: str | None = None) -> None:
        """The user enters ``user_code`` and signs in as ``email`` (default: the first mailbox)."""
        if email is not None:
            self._store.mailbox(email)  # an unknown address is an error now, not at redemption
        self._oauth.answer_device_code(user_code, email, approved=True)

    def decline_device_code(self, user_code: str) -> None:
        """The user enters ``user_code`` and declines: the next poll gets authorization_declined."""
        self._oauth.answer_device_code(user_code, None, approved=False)

    def expire_device_code(self, user_code: str) -> None:
        """The device code runs out now: the next poll gets expired_token (AADSTS70019)."""
        self._oauth.expire_device_code(user_code)

    def pending_device_codes(self) -> list[str]:
        """User codes waiting for an answer, oldest first."""
        return self._oauth.pending_user_codes()

    def expire_refresh_tokens(self, email: str | None = None) -> int:
        """Expire the refresh tokens of ``email`` (None: everyone's): AADSTS70043 on use."""
        return self._oauth.expire_refresh(email)

    def revoke_refresh_tokens(self, email: str) -> int:
        """Revoke ``email``'s refresh tokens (revoked sessions): AADSTS50173 on use."""
        return self._oauth.revoke_refresh(email)

    def arm_oauth_error(self, code: int) -> None:
        """The next token request that would succeed fails with AADSTS ``code`` instead."""
        code = int(code)
        if code not in AADSTS:
            raise ValueError(f"unknown AADSTS code {code}; known: {sorted(AADSTS)}")
        self._oauth.arm(code)

    def set_access_token_lifetime(self, seconds: float) -> None:
        """Access tokens issued from now on last ``seconds`` (Entra: about an hour)."""
        if float(seconds) <= 0:
            raise ValueError("seconds must be more than 0")
        self._oauth.access_lifetime_s = float(seconds)
