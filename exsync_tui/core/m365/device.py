"""The device-code sign-in: show a code, wait (cancellable) until the user has entered it.

Over SSH there is no browser: the user opens the verification address on any
device and enters the code. :meth:`DeviceSignIn.wait` polls at the authority's
interval and returns within a second of the cancel event (an HTTP round in
flight is aborted through its network scope). On success the new token cache
replaces the profile's in the keyring.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import msal

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.m365.cache import save_cache
from exsync_tui.core.m365.client import public_client, run_round
from exsync_tui.core.m365.errors import classify_result
from exsync_tui.core.m365.settings import SCOPES, M365Settings
from exsync_tui.core.secrets import SecretStore

_KEEP_POLLING = ("authorization_pending", "slow_down")


@dataclass(frozen=True)
class DeviceCodePrompt:
    """What to show the user: open ``verification_uri`` and enter ``user_code``.

    ``expires_at`` is a ``time.time()`` value; ``message`` is the authority's own wording.
    """

    user_code: str
    verification_uri: str
    expires_at: float
    message: str

    def seconds_left(self, now: float | None = None) -> int:
        """Whole seconds until the code expires (0 when it has)."""
        return max(int(self.expires_at - (time.time() if now is None else now)), 0)


@dataclass(frozen=True)
class SignedIn:
    """A completed sign-in: who signed in, and until when the access token is valid."""

    username: str
    access_expires_at: float


def signed_in(result: dict[str, Any]) -> SignedIn:
    """The :class:`SignedIn` of a successful msal token result."""
    claims = result.get("id_token_claims") or {}
    username = str(claims.get("preferred_username") or claims.get("upn") or "")
    return SignedIn(username, time.time() + float(result.get("expires_in", 0)))


class DeviceSignIn:
    """One device-code sign-in for a profile: :meth:`start`, show the prompt, :meth:`wait`."""

    def __init__(
        self, settings: M365Settings, store: SecretStore, cancel: threading.Event | None = None
    ) -> None:
        self.settings = settings
        self.cancel = cancel or threading.Event()
        self._store = store
        self._cache = msal.SerializableTokenCache()  # a failed sign-in keeps the stored one
        self._app: msal.PublicClientApplication | None = None
        self._flow: dict[str, Any] | None = None

    def start(self) -> DeviceCodePrompt:
        """Ask the authority for a code (raises TopicError)."""
        app = self._app = public_client(self.settings, self._cache, self.cancel)
        flow = run_round(
            self.settings, self.cancel, lambda: app.initiate_device_flow(scopes=list(SCOPES))
        )
        if "user_code" not in flow:
            raise classify_result(flow)
        self._flow = flow
        return DeviceCodePrompt(
            flow["user_code"], flow["verification_uri"], float(flow["expires_at"]),
            str(flow.get("message", "")),
        )  # fmt: skip

    def wait(self) -> SignedIn:
        """Poll until the user answers; raises TopicError (``cancelled`` on cancel)."""
        app, flow = self._app, self._flow
        if app is None or flow is None:
            raise RuntimeError("call start() first")
        while True:
            if self.cancel.is_set():
                raise TopicError("cancelled", "the sign-in was cancelled")
            if time.time() >= flow["expires_at"]:
                raise TopicError("m365-device-code-expired", "nobody entered the code in time")
            result = run_round(
                self.settings,
                self.cancel,
                # exit_condition: one poll per call; the waiting is done here, cancellably.
                lambda: app.acquire_token_by_device_flow(flow, exit_condition=lambda _f: True),
            )
            if "access_token" in result:
                save_cache(self._store, self.settings.profile_id, self._cache)
                return signed_in(result)
            if result.get("error") not in _KEEP_POLLING:
                raise classify_result(result)
            self.cancel.wait(max(int(flow.get("interval", 5)), 1))
