"""Access tokens for the sync engine, and the sign-in's health for the dashboard.

:func:`access_token` never waits for a person: it returns a cached token, or
refreshes silently, or raises a TopicError whose topic is one of
:data:`~exsync_tui.core.diagnose.m365_topics.SIGN_IN_TOPICS` (``m365-signin-needed``
when nothing usable is stored).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

import msal

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.diagnose.m365_topics import SIGN_IN_TOPICS
from exsync_tui.core.m365.cache import load_cache, save_cache
from exsync_tui.core.m365.client import public_client, run_round
from exsync_tui.core.m365.errors import classify_result
from exsync_tui.core.m365.settings import SCOPES, settings_from_profile
from exsync_tui.core.profiles import ConfigChange, MailboxMetadata, Profile, update_metadata
from exsync_tui.core.secrets import SecretStore

REFRESH_IDLE_LIFETIME_S = 90 * 24 * 3600
"""Entra ID refresh tokens lapse after 90 days unused (AADSTS700082)."""


def _needed(profile: Profile, why: str) -> TopicError:
    return TopicError(
        "m365-signin-needed",
        f"{why}: sign in with `exsync profiles signin {profile.name}`",
    )


def access_token(
    profile: Profile,
    store: SecretStore,
    cancel: threading.Event | None = None,
    *,
    default_client_id: str | None = None,
    force_refresh: bool = False,
) -> str:
    """A valid Graph access token for ``profile`` (refreshed silently when needed).

    ``force_refresh`` skips a cached access token (after Graph answered 401).
    Raises TopicError; the keyring errors of ``store`` pass through.
    """
    cancel = cancel or threading.Event()
    settings = settings_from_profile(profile, default_client_id)
    cache = load_cache(store, profile.id)
    if not list(cache.search(msal.TokenCache.CredentialType.REFRESH_TOKEN)):
        raise _needed(profile, "no Microsoft 365 sign-in is stored for this profile")
    app = public_client(settings, cache, cancel)
    accounts = app.get_accounts()
    if not accounts:
        raise _needed(profile, "the stored sign-in has no account")
    result = run_round(
        settings,
        cancel,
        lambda: app.acquire_token_silent_with_error(
            list(SCOPES), accounts[0], force_refresh=force_refresh
        ),
    )
    save_cache(store, profile.id, cache)  # even a failed refresh may have changed it
    if result is None:
        raise _needed(profile, "no refresh token for these permissions")
    if "access_token" not in result:
        raise classify_result(result)
    return str(result["access_token"])


class TokenState(StrEnum):
    """The sign-in's health, as the dashboard shows it."""

    VALID = "valid"
    REFRESHABLE = "refreshable"
    SIGN_IN_NEEDED = "sign-in needed"


@dataclass(frozen=True)
class TokenHealth:
    """``access_valid_until`` and ``refreshes_until`` are ``time.time()`` values (or None)."""

    state: TokenState
    username: str | None = None
    access_valid_until: float | None = None
    refreshes_until: float | None = None

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready, times as ISO 8601 in UTC (what `exsync profiles show` prints)."""

        def iso(moment: float | None) -> str | None:
            if moment is None:
                return None
            return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")

        return {
            "state": self.state.value,
            "username": self.username,
            "access_valid_until": iso(self.access_valid_until),
            "refreshes_until": iso(self.refreshes_until),
        }


def token_health(profile: Profile, store: SecretStore, now: float | None = None) -> TokenHealth:
    """What the stored sign-in allows, read from the keyring only (nothing is sent)."""
    now = time.time() if now is None else now
    if profile.metadata.last_error_topic in SIGN_IN_TOPICS:
        return TokenHealth(TokenState.SIGN_IN_NEEDED)
    cache = load_cache(store, profile.id)
    kinds = msal.TokenCache.CredentialType
    refresh = list(cache.search(kinds.REFRESH_TOKEN))
    if not refresh:
        return TokenHealth(TokenState.SIGN_IN_NEEDED)
    accounts = list(cache.search(kinds.ACCOUNT))
    username = str(accounts[0].get("username")) if accounts else None
    used = max(float(e.get("last_modification_time") or 0) for e in refresh)
    until = used + REFRESH_IDLE_LIFETIME_S if used else None
    if until is not None and until <= now:
        return TokenHealth(TokenState.SIGN_IN_NEEDED, username)
    expiries = [float(e.get("expires_on") or 0) for e in cache.search(kinds.ACCESS_TOKEN)]
    valid = max(expiries, default=0.0)
    if valid > now:
        return TokenHealth(TokenState.VALID, username, valid, until)
    return TokenHealth(TokenState.REFRESHABLE, username, None, until)


def forget_sign_in_error(profile: Profile, save: Callable[[ConfigChange], object]) -> None:
    """A new sign-in answers a "sign in again" topic: the dashboard must stop asking."""

    def compute(current: MailboxMetadata) -> MailboxMetadata | None:
        if current.last_error_topic not in SIGN_IN_TOPICS:
            return None
        return replace(current, last_error_topic=None)

    update_metadata(profile, compute, save)
