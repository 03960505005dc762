"""A minimal Microsoft Graph ``/v1.0/me`` for the sign-in doctor (the Graph subset proper
comes with the Graph source; drop this when it serves ``/me`` itself).

Accepts exactly the bearer tokens of the shared
:class:`~exsync_tui.sandbox.oauth_tokens.TokenRegistry`, as Graph does Entra's.
"""

from __future__ import annotations

import json
import uuid

from exsync_tui.sandbox.httpserver import Request, Response
from exsync_tui.sandbox.oauth_tokens import TokenRegistry
from exsync_tui.sandbox.store import MailboxStore

ME_PATH = "/v1.0/me"


def _json(status: int, payload: dict[str, object], headers: list[tuple[str, str]]) -> Response:
    return Response(status, json.dumps(payload).encode(), "application/json", headers)


def graph_me(request: Request, store: MailboxStore, tokens: TokenRegistry) -> Response:
    """Answer ``GET /v1.0/me`` for the token's mailbox, or 401 as Graph words it."""
    header = request.headers.get("Authorization") or ""
    scheme, _, token = header.partition(" ")
    grant = tokens.resolve(token.strip()) if scheme.lower() == "bearer" else None
    mailbox = store.by_email(grant.email) if grant else None
    if mailbox is None:
        challenge = [("WWW-Authenticate", 'Bearer realm="", error="invalid_token"')]
        error = {
            "code": "InvalidAuthenticationToken",
            "message": "Access token is empty or invalid.",
        }
        return _json(401, {"error": error}, challenge)
    return _json(200, {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{mailbox.email.lower()}")),
        "displayName": mailbox.display_name,
        "mail": mailbox.email,
        "userPrincipalName": mailbox.email,
    }, [])  # fmt: skip
