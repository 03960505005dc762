"""Reading ``/v1.0/me`` from Microsoft Graph: proof that the token opens the mailbox's account.

The bearer token may only go to the profile's Graph host: it is granted in a
credentials scope for this one request, and exsync's adapter refuses it
anywhere else.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from exsync_tui.core.m365.client import run_round
from exsync_tui.core.m365.http import msal_session
from exsync_tui.core.m365.settings import M365Settings
from exsync_tui.core.net.credentials import credentials_scope


@dataclass(frozen=True)
class GraphUser:
    """Who Graph says the token belongs to."""

    address: str
    display_name: str


class GraphRefused(Exception):
    """Graph answered with an error status (``status``, Graph's error ``code``)."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(f"Microsoft Graph answered {status} {code}".strip())
        self.status = status
        self.code = code


def read_me(settings: M365Settings, token: str, cancel: threading.Event) -> GraphUser:
    """``GET {graph_url}/v1.0/me``; raises GraphRefused or TopicError."""

    def fetch() -> GraphUser | GraphRefused:
        with credentials_scope([settings.graph_host]):
            answer = msal_session().get(
                f"{settings.graph_url.rstrip('/')}/v1.0/me",
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=30,
            )
        if answer.status_code != 200:
            try:
                code = str(answer.json().get("error", {}).get("code", ""))
            except ValueError:
                code = ""
            return GraphRefused(answer.status_code, code)
        body = answer.json()
        address = body.get("mail") or body.get("userPrincipalName") or ""
        return GraphUser(str(address), str(body.get("displayName") or ""))

    found = run_round(settings, cancel, fetch)
    if isinstance(found, GraphRefused):
        raise found
    return found
