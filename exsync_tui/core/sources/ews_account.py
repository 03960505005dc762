"""The exchangelib account a sync talks through: delegate access, exsync's adapter and retries.

Built without a single request: no autodiscover (the profile's learned EWS
URL), and the saved server build instead of exchangelib's version guess.
exchangelib caches one protocol (session pool, retry policy) per endpoint and
credentials, and would reuse a stale one whatever the new configuration says;
only this account's entry is dropped, so other mailboxes syncing in the same
process keep their connections.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from exchangelib import DELEGATE, UTC, Account, Build, Configuration, Credentials, Version
from exchangelib.protocol import CachingProtocol

from exsync_tui.core.connect.session import BudgetRetryPolicy, prepare_exchangelib
from exsync_tui.core.sources.ews_settings import EwsSettings


class RequestBudgetPolicy(BudgetRetryPolicy):
    """:class:`BudgetRetryPolicy` whose time budget runs per request, not per lifetime.

    A sync lives far longer than one connect attempt; the budget for waiting on
    a busy server starts again with each request (:meth:`start_request`, on the
    thread that sends it). No retry on 401 and the cancel event are inherited.
    """

    per_request = True

    def __init__(self, budget_s: float, cancel: threading.Event, **kwargs: Any) -> None:
        self._local = threading.local()
        super().__init__(budget_s, cancel, **kwargs)

    @property  # type: ignore[override]
    def deadline(self) -> float:
        """When the current thread's request must stop waiting for a busy server."""
        found: float | None = getattr(self._local, "deadline", None)
        return found if found is not None else time.monotonic() + self.budget_s

    @deadline.setter
    def deadline(self, value: float) -> None:
        self._local.deadline = value

    def start_request(self) -> None:
        """Give the calling thread's next request a full budget."""
        self._local.deadline = time.monotonic() + self.budget_s

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_local", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._local = threading.local()
        super().__setstate__(state)


def _version(build: str | None) -> Version | None:
    if not build:
        return None
    parts = [int(part) for part in build.split(".")]
    return Version(build=Build(*parts))


def forget_protocol(config: Configuration) -> None:
    """Close and drop exchangelib's cached protocol for this endpoint and these credentials."""
    key = CachingProtocol._cache_key(config)
    with CachingProtocol._protocol_cache_lock:
        entry = CachingProtocol._protocol_cache.pop(key, None)
    if entry is not None and not isinstance(entry[0], Exception):
        entry[0].close()


def build_sync_account(
    settings: EwsSettings, cancel: threading.Event
) -> tuple[Account, RequestBudgetPolicy]:
    """An account for ``settings`` with its retry policy; sends nothing."""
    prepare_exchangelib()
    retry = RequestBudgetPolicy(
        settings.budget_s, cancel, username=settings.username, email=settings.email
    )
    config = Configuration(
        service_endpoint=settings.ews_url,
        credentials=Credentials(username=settings.username, password=settings.password),
        auth_type=settings.auth_type,
        retry_policy=retry,
        version=_version(settings.server_build),
        max_connections=settings.max_connections,
    )
    forget_protocol(config)
    account = Account(
        primary_smtp_address=settings.email,
        config=config,
        autodiscover=False,
        access_type=DELEGATE,
        default_timezone=UTC,
    )
    return account, retry
