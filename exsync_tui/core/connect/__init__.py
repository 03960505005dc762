"""Connecting a mailbox: server text, autodiscover, sign-in, mailbox access.

Public API (front ends code against these names)::

    from exsync_tui.core.connect import (
        ConnectRequest, ConnectOutcome, connect, request_from_profile,
        normalise_server, ServerSpec, ServerTextError,
    )
"""

from exsync_tui.core.connect.connect import connect
from exsync_tui.core.connect.request import ConnectOutcome, ConnectRequest, request_from_profile
from exsync_tui.core.connect.server_text import ServerSpec, ServerTextError, normalise_server

__all__ = [
    "ConnectOutcome",
    "ConnectRequest",
    "ServerSpec",
    "ServerTextError",
    "connect",
    "normalise_server",
    "request_from_profile",
]
