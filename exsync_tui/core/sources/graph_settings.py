"""What the Graph source needs besides a token: the Graph URL, network policy, Graph's limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from exsync_tui.core.connect.request import request_from_profile
from exsync_tui.core.connect.runner import policy_for
from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.m365.settings import MICROSOFT_GRAPH_URL
from exsync_tui.core.net import HostPolicy
from exsync_tui.core.net.urls import is_loopback_host
from exsync_tui.core.profiles import Profile
from exsync_tui.core.sources.ews_settings import DEFAULT_BUDGET_S

MAX_CONCURRENT_REQUESTS = 4
"""Outlook's MailboxConcurrency limit: at most 4 requests in flight per mailbox per app."""


@dataclass(frozen=True)
class GraphSettings:
    """How to reach one mailbox through Microsoft Graph.

    ``max_connections`` (at most 4, Outlook's limit) bounds requests in
    flight; ``budget_s`` is how long one request may keep waiting on 429s and
    5xx; ``backoff_base_s`` the first wait after a 429 without Retry-After
    (doubling each time); ``include_hidden`` asks for the mail folders Outlook
    hides; ``calendar_past_days``/``calendar_future_days`` the calendar window when the
    engine gives none (and how far ahead an endless series' instances are asked for).
    """

    graph_url: str = MICROSOFT_GRAPH_URL
    policy: HostPolicy = field(default_factory=HostPolicy)
    max_connections: int = MAX_CONCURRENT_REQUESTS
    budget_s: float = DEFAULT_BUDGET_S
    backoff_base_s: float = 1.0
    include_hidden: bool = False
    calendar_past_days: int = 30
    calendar_future_days: int = 365

    def __post_init__(self) -> None:
        parts = urlsplit(self.graph_url)
        if not parts.hostname or parts.scheme not in ("https", "http"):
            raise _invalid("graph_url", f"{self.graph_url!r} is not a URL")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            raise _invalid("graph_url", "Microsoft Graph is only reached over https://")
        if not 1 <= self.max_connections <= MAX_CONCURRENT_REQUESTS:
            raise _invalid(
                "max_connections",
                f"Graph allows 1 to {MAX_CONCURRENT_REQUESTS} requests in flight per mailbox",
            )
        if self.budget_s <= 0 or self.backoff_base_s < 0:
            raise _invalid("budget_s", "budget_s must be more than 0")

    @property
    def host(self) -> str:
        """The Graph host name."""
        return urlsplit(self.graph_url).hostname or ""


def _invalid(field_name: str, detail: str) -> TopicError:
    return TopicError("settings-invalid", detail, {"field": field_name})


def graph_settings_from_profile(
    profile: Profile, graph_url: str = MICROSOFT_GRAPH_URL, **overrides: object
) -> GraphSettings:
    """The Graph settings of a saved profile: its network policy (trust, pins, connect-to)
    and its connection count, capped at Graph's limit."""
    policy = policy_for(request_from_profile(profile, ""))
    connections = min(profile.sync.connections, MAX_CONCURRENT_REQUESTS)
    base = {
        "graph_url": graph_url,
        "policy": policy,
        "max_connections": connections,
        "calendar_past_days": profile.sync.calendar_past_days,
        "calendar_future_days": profile.sync.calendar_future_days,
        "include_hidden": profile.sync.include_hidden_folders,
    }
    return GraphSettings(**{**base, **overrides})  # type: ignore[arg-type]
