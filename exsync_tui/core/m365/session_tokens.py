"""The bearer tokens of one sync run: the job's token first, a silent refresh when refused.

The Graph source asks for a token before every request, so this must not touch
the keyring each time: it keeps the current token and refreshes (through
:func:`~exsync_tui.core.m365.tokens.access_token`, which never waits for a
person) only after Graph refused it.
"""

from __future__ import annotations

import threading

from exsync_tui.core.m365.settings import MICROSOFT_GRAPH_URL
from exsync_tui.core.m365.tokens import access_token
from exsync_tui.core.profiles import Profile
from exsync_tui.core.secrets import SecretStore


class SessionTokens:
    """A token provider for :class:`~exsync_tui.core.sources.graph.GraphSource`.

    Thread-safe: the source's fetch workers share one provider. ``invalidate``
    is what the source calls with a token Graph answered 401 to; the next call
    refreshes once for all of them.
    """

    def __init__(
        self,
        profile: Profile,
        first_token: str,
        cancel: threading.Event,
        store: SecretStore | None = None,
    ) -> None:
        self._profile = profile
        self._token: str | None = first_token or None
        self._cancel = cancel
        self._store = store
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._token is None:
                store = self._store or SecretStore()
                self._token = access_token(self._profile, store, self._cancel, force_refresh=True)
            return self._token

    def invalidate(self, token: str) -> None:
        """Graph refused ``token``: the next call refreshes (unless another thread did)."""
        with self._lock:
            if token == self._token:
                self._token = None

    def __repr__(self) -> str:  # never the token
        return f"SessionTokens(profile={self._profile.name!r})"


def graph_session(
    profile: Profile, secret: str, cancel: threading.Event
) -> tuple[SessionTokens, str]:
    """The token provider and Graph base URL a Microsoft 365 profile's run talks through
    (``secret`` is the access token the job was given): syncing and sending share it."""
    return SessionTokens(
        profile, secret, cancel
    ), profile.office365.graph_url or MICROSOFT_GRAPH_URL
