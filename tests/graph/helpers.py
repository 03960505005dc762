"""Graph syncs in tests: a test-only token provider that asks the sandbox's control API,
and a Microsoft 365 profile of a sandbox mailbox."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from exsync_tui.core.profiles import ConnectionMode, Profile
from exsync_tui.core.sync.engine import SyncResult, graph_source_factory, options_for, sync_profile
from exsync_tui.core.sync.events import SyncEvent
from exsync_tui.sandbox import Sandbox
from tests.sync.helpers import profile_for


class ControlTokens:
    """Bearer tokens for one sandbox mailbox, issued through the control API.

    Keeps one token until the source reports it refused (``invalidate``), as a
    token cache does; ``issued`` counts the tokens it asked for.
    """

    def __init__(self, sb: Sandbox, user: int = 0, *, renew: bool = True) -> None:
        self._sb = sb
        self._email = sb.info.users[user].email
        self._token: str | None = None
        self._renew = renew
        self.issued = 0

    def __call__(self) -> str:
        if self._token is None:
            self._token = self._sb.control.issue_access_token(self._email)
            self.issued += 1
        return self._token

    def invalidate(self, token: str) -> None:
        """The server refused ``token``: the next call gets a new one (unless ``renew`` is off)."""
        if self._renew and token == self._token:
            self._token = None


def graph_profile(sb: Sandbox, user: int = 0, **changes: Any) -> Profile:
    """A Microsoft 365 profile of a sandbox mailbox (its TLS trust and host mapping)."""
    return replace(profile_for(sb, user), mode=ConnectionMode.OFFICE365, ews_url=None, **changes)


def run_graph_sync(
    sb: Sandbox,
    profile: Profile,
    tokens: ControlTokens | None = None,
    *,
    settings: dict[str, Any] | None = None,
    graph_url: str | None = None,
    **options: Any,
) -> tuple[SyncResult, list[SyncEvent]]:
    """Sync ``profile`` once through Graph (the sandbox's unless ``graph_url`` says);
    returns the result and every event."""
    events: list[SyncEvent] = []
    factory = graph_source_factory(
        tokens or ControlTokens(sb),
        graph_url or sb.info.graph_url,
        **{"backoff_base_s": 0.01, **(settings or {})},
    )
    result = sync_profile(
        profile,
        "",
        options_for(profile, **options) if options else None,
        emit=events.append,
        office365_source=factory,
    )
    return result, events


def graph_operations(sb: Sandbox) -> dict[str, int]:
    """How many requests of each Graph kind the sandbox answered, by status."""
    counts: dict[str, int] = {}
    for entry in sb.control.request_log():
        operation = str(entry.get("operation") or "")
        if operation.startswith("Graph"):
            key = f"{operation} {entry.get('status')}"
            counts[key] = counts.get(key, 0) + 1
    return counts
