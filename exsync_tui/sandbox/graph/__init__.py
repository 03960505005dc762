"""The sandbox's Microsoft Graph subset (``/v1.0/...``) over the same mailboxes as EWS.

A bearer token from :class:`~exsync_tui.sandbox.oauth_tokens.TokenRegistry`
names the mailbox; faults from the shared injector apply by Graph request kind
(``GraphDelta``, ``GraphValue``...), so 429 storms, 5xx, drops and hangs can be
injected while a client syncs. Every read holds the store's lock, as EWS does.
"""

from __future__ import annotations

from exsync_tui.sandbox.graph.router import GraphApp, operation_of

__all__ = ["GraphApp", "operation_of"]
