"""One Graph request with Graph's manners: a fresh bearer token, 429 and 5xx retries, errors.

Every request asks the token provider for a token first (so a token refreshed
in between is used); a 401 asks once more (a provider that caches is told
which token was refused, through ``invalidate`` when it has one) and then
gives up with the sign-in topic. ``429`` waits ``Retry-After`` (seconds or an
HTTP-date), exponentially longer without a usable one; a wait past the budget gives up
at once; 5xx and dropped connections are retried the
same way; all of it within the per-request time budget, and every wait ends
at once on cancel. Redirects are refused, never followed. Answers go through
exsync's adapter like every request.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from exsync_tui.core.diagnose.classify import TopicError, classify
from exsync_tui.core.net import EwsHTTPAdapter
from exsync_tui.core.net.budget import WaitOutcome, spent_detail, wait_within_budget
from exsync_tui.core.redaction import register_secret
from exsync_tui.core.sources.pool import cancelled_error

SIGN_IN_TOPIC = "credentials-rejected"
"""The help topic when Graph refuses the token twice (the sign-in must be renewed)."""

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class TokenProvider(Protocol):
    """Hands out a bearer token for Graph (never logged; asked before every request)."""

    def __call__(self) -> str: ...


class GraphStatusError(TopicError):
    """Graph answered an error status the caller may treat specially (404, 410)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__("unexpected-error", f"Graph answered {status} {code}: {message}")
        self.status = status
        self.code = code


_RESYNC_CODES = frozenset({"syncstatenotfound", "syncstateinvalid", "resyncrequired"})


def refuses_token(error: GraphStatusError, *, token_sent: bool) -> bool:
    """True for Graph's ways of saying a delta token is no longer valid: 410 Gone (Outlook's
    ``SyncStateNotFound``), the ``resyncRequired``/``syncStateNotFound`` codes whatever the
    status, and a 400 to a request whose token (``token_sent``) came from a saved link."""
    if error.status == 410 or error.code.lower() in _RESYNC_CODES:
        return True
    return token_sent and error.status == 400


def _error_of(response: requests.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error") or {}
        return str(error.get("code") or ""), str(error.get("message") or "")
    except ValueError:
        return "", response.reason or ""


def retry_after(response: requests.Response, now: dt.datetime | None = None) -> float | None:
    """The seconds a response's ``Retry-After`` header asks for (see :func:`retry_after_value`)."""
    return retry_after_value(response.headers.get("Retry-After"), now)


def retry_after_value(value: str | None, now: dt.datetime | None = None) -> float | None:
    """The seconds a ``Retry-After`` value asks for: delay-seconds or an HTTP-date (RFC 9110).

    None when absent, unreadable, not finite or not in the future: the caller then backs
    off exponentially rather than retrying at once (a ``0`` would make a tight loop).
    """
    value = (value or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT; "-0000" parses as naive
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - (now or dt.datetime.now(dt.UTC))).total_seconds()
    return seconds if math.isfinite(seconds) and seconds > 0 else None


class GraphClient:
    """Sends requests to one Graph base URL with a token provider (thread-safe)."""

    def __init__(
        self,
        graph_url: str,
        tokens: Callable[[], str],
        cancel: threading.Event,
        *,
        budget_s: float,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 60.0,
    ) -> None:
        self.base = graph_url.rstrip("/") + "/v1.0"
        self.host = urlsplit(graph_url).hostname or ""
        self._tokens = tokens
        self._cancel = cancel
        self.budget_s = budget_s
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self._session = requests.Session()
        adapter = EwsHTTPAdapter()  # MIME answers need the larger cap
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def close(self) -> None:
        """Close the connections."""
        self._session.close()

    def url(self, path: str) -> str:
        """The absolute URL of a ``/v1.0``-relative path."""
        return f"{self.base}/{path.lstrip('/')}"

    def owns_link(self, link: str) -> bool:
        """True when ``link`` (a nextLink or deltaLink) points back at this Graph URL."""
        return urlsplit(link).hostname == self.host and link.startswith(self.base + "/")

    def check_link(self, link: str) -> str:
        """``link`` (a nextLink or deltaLink) when it points back at this Graph host."""
        if not self.owns_link(link):
            raise TopicError("response-rejected", "Graph handed out a link to another server")
        return link

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """GET ``url``; returns a 2xx answer or raises (see the module docstring)."""
        return self.request("GET", url, params=params, headers=headers)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        data: bytes | None = None,
        idempotent: bool = True,
    ) -> requests.Response:
        """Send one request (``body`` as JSON, or ``data`` as is); a 2xx answer or raises.

        A request that is not ``idempotent`` (sending mail) is only repeated after a 429,
        which Graph answers before doing anything; a 5xx or a dropped connection may
        come after the work was done, so it fails instead and the caller checks.
        """
        deadline = time.monotonic() + self.budget_s
        refused: str | None = None
        attempt = 0
        payload = json.dumps(body).encode() if body is not None else data
        sent_headers = dict(headers or {})
        if body is not None:
            sent_headers["Content-Type"] = "application/json"
        while True:
            token = self._token(refused)
            response = self._send(method, url, params, sent_headers, payload, token)
            retry = response is None or response.status_code in RETRY_STATUSES
            if retry and not idempotent and (response is None or response.status_code != 429):
                what = f"HTTP {response.status_code}" if response is not None else "no answer"
                raise TopicError("server-busy", f"Microsoft Graph gave {what}; it may have "
                                 "been done, so it is not repeated blindly")  # fmt: skip
            if retry:
                wait = retry_after(response) if response is not None else None
                said = f"HTTP {response.status_code}" if response is not None else None
                self.wait_before_retry(wait, attempt, deadline, said or "dropped connections")
                attempt += 1
                continue
            assert response is not None  # a missing answer is retried above
            if response.status_code == 401:
                if refused is not None:
                    raise TopicError(SIGN_IN_TOPIC, "Microsoft Graph refused the sign-in token")
                refused = token
                continue
            if 300 <= response.status_code < 400:
                # Graph's API never redirects; following one would send the next request
                # (and take its answer as mail) wherever the Location header says.
                raise TopicError(
                    "response-rejected",
                    f"Microsoft Graph answered a redirect (HTTP {response.status_code})",
                )
            if response.status_code >= 400:
                code, message = _error_of(response)
                raise GraphStatusError(response.status_code, code, message)
            return response

    def json(self, url: str, method: str = "GET", **kwargs: Any) -> dict[str, Any]:
        """Send a request (GET unless ``method`` says) and read its JSON object."""
        response = self.request(method, url, **kwargs)
        try:
            payload = response.json()
        except ValueError as error:
            raise TopicError("unexpected-error", f"Graph's answer was not JSON: {error}") from error
        if not isinstance(payload, dict):
            raise TopicError("unexpected-error", "Graph's answer was not a JSON object")
        return payload

    def _token(self, refused: str | None) -> str:
        if refused is not None:
            invalidate = getattr(self._tokens, "invalidate", None)
            if callable(invalidate):
                invalidate(refused)
        return self._tokens()

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        data: bytes | None,
        token: str,
    ) -> requests.Response | None:
        """The answer, or None for a connection that broke (retried like a 503)."""
        if self._cancel.is_set():
            raise cancelled_error()
        sent = {**(headers or {}), "Authorization": f"Bearer {token}"}
        try:
            with register_secret(token):  # redacted from any log line or error text meanwhile
                return self._session.request(
                    method,
                    url,
                    params=params,
                    headers=sent,
                    data=data,
                    timeout=(30, 120),
                    allow_redirects=False,
                )
        except requests.ConnectionError as error:
            if self._cancel.is_set():
                raise cancelled_error() from error
            found = classify(error)
            if found.topic_id == "server-silent":
                return None  # a dropped or reset connection: worth another try
            raise TopicError(found.topic_id, found.detail, found.facts) from error
        except requests.RequestException as error:
            found = classify(error, cancelled=self._cancel.is_set())
            raise TopicError(found.topic_id, found.detail, found.facts) from error

    def wait_before_retry(
        self,
        asked: float | None,
        attempt: int,
        deadline: float,
        what: str,
    ) -> None:
        """Wait ``asked`` seconds (exponentially longer per ``attempt`` when None), or raise
        ``server-busy`` (Graph kept answering ``what``) when that would pass ``deadline``,
        and ``cancelled`` on cancel."""
        wait = asked
        if wait is None:
            wait = min(self.backoff_max_s, self.backoff_base_s * (2**attempt))
        outcome = wait_within_budget(wait, deadline, self._cancel)
        if outcome is WaitOutcome.OVER_BUDGET:
            who = f"Microsoft Graph kept answering {what}"
            raise TopicError("server-busy", spent_detail(who, asked, self.budget_s, True))
        if outcome is WaitOutcome.CANCELLED:
            raise cancelled_error()
