"""One msal public client for a profile, and running msal calls as cancellable rounds."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import msal

from exsync_tui.core.m365.errors import classify_failure
from exsync_tui.core.m365.http import authority_round, msal_session
from exsync_tui.core.m365.settings import M365Settings

_T = TypeVar("_T")


def run_round(settings: M365Settings, cancel: threading.Event, action: Callable[[], _T]) -> _T:
    """Run one exchange with the authority; any failure becomes a TopicError (no traceback
    chain: msal's exceptions may quote the authority's answer)."""
    try:
        with authority_round(settings, cancel):
            return action()
    except Exception as error:  # noqa: BLE001 - every failure gets its help topic
        topic = classify_failure(error, cancelled=cancel.is_set())
    raise topic


def public_client(
    settings: M365Settings, cache: msal.SerializableTokenCache, cancel: threading.Event
) -> msal.PublicClientApplication:
    """The msal client (discovery happens here, over the network)."""

    def build() -> msal.PublicClientApplication:
        return msal.PublicClientApplication(
            settings.client_id,
            authority=settings.authority,
            # Microsoft's own authorities keep msal's checks; the sandbox or a test
            # authority is unknown to Microsoft's instance discovery.
            instance_discovery=None if settings.instance_discovery else False,
            http_client=msal_session(),
            token_cache=cache,
        )

    return run_round(settings, cancel, build)
