"""Microsoft 365 sign-in: msal through exsync's network stack, tokens kept in the keyring.

No textual here. Front ends use :class:`DeviceSignIn` (show the code, wait,
cancel), :class:`AuthCodeSignIn` (where Conditional Access blocks device code),
:func:`access_token` (the sync engine: silent or a sign-in topic, never a
prompt) and :func:`token_health` (the dashboard).
"""

from __future__ import annotations

from exsync_tui.core.m365.device import DeviceCodePrompt, DeviceSignIn, SignedIn
from exsync_tui.core.m365.errors import AADSTS_TOPICS, classify_failure, classify_result
from exsync_tui.core.m365.settings import (
    MICROSOFT_GRAPH_URL,
    SCOPES,
    M365Settings,
    settings_from_profile,
)
from exsync_tui.core.m365.tokens import TokenHealth, TokenState, access_token, token_health

__all__ = [
    "AADSTS_TOPICS",
    "MICROSOFT_GRAPH_URL",
    "SCOPES",
    "DeviceCodePrompt",
    "DeviceSignIn",
    "M365Settings",
    "SignedIn",
    "TokenHealth",
    "TokenState",
    "access_token",
    "classify_failure",
    "classify_result",
    "settings_from_profile",
    "token_health",
]
