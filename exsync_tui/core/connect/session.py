"""Building exchangelib sessions the safe way (see DESIGN.md, "Working with exchangelib safely").

- ``Account(access_type=DELEGATE)``: exchangelib defaults to impersonation.
- :class:`BudgetRetryPolicy`: back-off within a total time budget, never a
  retry on 401 (exchangelib's FaultTolerance retries 401 as "server busy" for
  an hour, which locks accounts), and a cancel event that ends a back-off at once.
- Protocol caches cleared between attempts: exchangelib caches protocols per
  (endpoint, credentials) and ignores later configuration changes.
- The autodiscover cache (a pickle file in the shared temp directory by
  default) lives under exsync's state directory.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import exchangelib.autodiscover
import exchangelib.autodiscover.cache
import exchangelib.protocol
from exchangelib import DELEGATE, Account, Configuration, Credentials
from exchangelib.errors import RateLimitError, UnauthorizedError
from exchangelib.protocol import FaultTolerance

from exsync_tui.core.connect.auth import read_rejection
from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.net import install_adapter
from exsync_tui.core.net.budget import WaitOutcome, spent_detail, wait_within_budget
from exsync_tui.core.paths import state_dir

DEFAULT_BUDGET_S = 60.0

BackOffCallback = Callable[[float], None]


class SignInRejected(UnauthorizedError, TopicError):  # type: ignore[misc]
    """A 401 after sending credentials, with the reason the server gave."""

    def __init__(self, topic_id: str, detail: str) -> None:
        TopicError.__init__(self, topic_id, detail)


class CancelledDuringBackOff(RateLimitError):  # type: ignore[misc]
    """The user cancelled while exsync waited for a busy server."""

    def __init__(self) -> None:
        super().__init__("cancelled while waiting for the server", wait=0)


class BudgetSpent(RateLimitError, TopicError):  # type: ignore[misc]
    """The server stayed busy beyond the time budget."""

    def __init__(self, wanted_s: float, budget_s: float, *, per_request: bool = False) -> None:
        # Not RateLimitError.__init__: through EWSError it would call TopicError.__init__
        # with one argument (the MRO puts TopicError next), which needs two.
        TopicError.__init__(
            self,
            "server-busy",
            spent_detail("the server is busy", wanted_s, budget_s, per_request),
        )
        self.value = "time budget spent"
        self.wait = wanted_s

    def __str__(self) -> str:
        return self.detail


class BudgetRetryPolicy(FaultTolerance):  # type: ignore[misc]
    """Retry busy servers within a total time budget; never retry a 401; obey a cancel event.

    The wait happens inside :meth:`back_off` on the cancel event, and
    ``back_off_until`` stays empty, so exchangelib's own uninterruptible sleep
    never runs.
    """

    def __init__(
        self,
        budget_s: float = DEFAULT_BUDGET_S,
        cancel: threading.Event | None = None,
        *,
        username: str = "",
        email: str = "",
        on_back_off: BackOffCallback | None = None,
        deadline: float | None = None,
    ) -> None:
        super().__init__(max_wait=budget_s)
        self.budget_s = budget_s
        # The attempt's deadline when there is one (time.monotonic()), so back-off
        # waits and slow answers share one budget.
        self.deadline = deadline if deadline is not None else time.monotonic() + budget_s
        self.cancel = cancel or threading.Event()
        self.username = username
        self.email = email
        self.on_back_off = on_back_off

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        state.pop("cancel", None)  # events cannot be pickled; a restored policy starts afresh
        state.pop("on_back_off", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self.cancel = threading.Event()
        self.on_back_off = None

    @property
    def back_off_until(self) -> datetime.datetime | None:
        return None

    @back_off_until.setter
    def back_off_until(self, value: datetime.datetime | None) -> None:
        """Ignored: waiting happens in :meth:`back_off`."""

    per_request = False
    """True when the budget starts again with each request (the message says so)."""

    def back_off(self, seconds: float | None) -> None:
        wait = float(seconds if seconds is not None else self.DEFAULT_BACKOFF)
        outcome = wait_within_budget(wait, self.deadline, self.cancel, self.on_back_off)
        if outcome is WaitOutcome.OVER_BUDGET:
            raise BudgetSpent(wait, self.budget_s, per_request=self.per_request)
        if outcome is WaitOutcome.CANCELLED:
            raise CancelledDuringBackOff()

    def raise_response_errors(self, response: Any) -> None:
        if response.status_code == 401:
            rejection = read_rejection(
                401, response.headers, response.content or b"", self.username, self.email
            )
            raise SignInRejected(rejection.topic_id, rejection.detail)
        if response.status_code == 403:
            raise TopicError(
                "ews-disabled", "HTTP 403 Forbidden: the server refuses EWS for this mailbox"
            )
        super().raise_response_errors(response)


def autodiscover_cache_file() -> Path:
    """Where exchangelib's autodiscover cache goes: under exsync's state directory."""
    name: str = exchangelib.autodiscover.cache.shelve_filename()
    return state_dir() / "exchangelib" / name


def prepare_exchangelib() -> None:
    """Install exsync's HTTP adapter and move the autodiscover cache out of the temp directory.

    Cheap and idempotent; call before building any exchangelib object (the
    state directory can change between calls, e.g. per test).
    """
    install_adapter()
    cache_file = autodiscover_cache_file()
    cache_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    exchangelib.autodiscover.cache.AUTODISCOVER_PERSISTENT_STORAGE = cache_file


def close_all_connections() -> None:
    """Drop every cached exchangelib protocol and its sessions (between attempts)."""
    exchangelib.protocol.close_connections()
    exchangelib.autodiscover.close_connections()


def build_account(
    *,
    email: str,
    ews_url: str,
    username: str,
    password: str,
    auth_type: str,
    retry_policy: BudgetRetryPolicy,
) -> Account:
    """An exchangelib Account for one mailbox, with delegate access and no autodiscover."""
    prepare_exchangelib()
    config = Configuration(
        service_endpoint=ews_url,
        credentials=Credentials(username=username, password=password),
        auth_type=auth_type,
        retry_policy=retry_policy,
    )
    return Account(
        primary_smtp_address=email,
        config=config,
        autodiscover=False,
        access_type=DELEGATE,
    )
