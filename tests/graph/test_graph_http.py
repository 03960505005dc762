"""GraphClient's manners at the HTTP level: Retry-After forms, redirects refused."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.net.credentials import credentials_scope
from exsync_tui.core.sources.graph_http import GraphClient, retry_after

NOW = dt.datetime(2026, 11, 30, 12, 0, 0, tzinfo=dt.UTC)


def _answer(value: str | None) -> requests.Response:
    response = requests.Response()
    response.status_code = 429
    if value is not None:
        response.headers["Retry-After"] = value
    return response


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("Mon, 30 Nov 2026 12:00:30 GMT", 30.0),  # the HTTP-date form
        ("Mon, 30 Nov 2026 12:02:00 -0000", 120.0),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(header: str, seconds: float) -> None:
    assert retry_after(_answer(header), now=NOW) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "header",
    [None, "", "soon", "0", "-5", "nan", "inf", "Mon, 30 Nov 2026 11:59:00 GMT"],
)
def test_retry_after_that_says_nothing_usable_leaves_the_backoff_to_the_client(
    header: str | None,
) -> None:
    # None, not 0: a "retry at once" would make a tight loop of requests until the budget.
    assert retry_after(_answer(header), now=NOW) is None


class _Redirecting(BaseHTTPRequestHandler):
    """Answers every GET with a redirect to another path and logs what it was sent."""

    seen: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        self.seen.append((self.path, self.headers.get("Authorization")))
        self.send_response(302)
        self.send_header("Location", "/v1.0/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture
def redirecting() -> Iterator[str]:
    _Redirecting.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_redirect_is_refused_not_followed(redirecting: str) -> None:
    client = GraphClient(redirecting, lambda: "token-1", threading.Event(), budget_s=5)
    with credentials_scope(["127.0.0.1"]), pytest.raises(TopicError) as raised:
        client.get(client.url("me/mailFolders"))
    client.close()
    assert raised.value.topic_id == "response-rejected"
    assert "redirect" in raised.value.detail
    # Only the first request went out: the Location was never asked for.
    assert _Redirecting.seen == [("/v1.0/me/mailFolders", "Bearer token-1")]
