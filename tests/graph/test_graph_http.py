"""Graph's manners at the HTTP level: Retry-After forms, redirects refused, paging ends."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.net.credentials import credentials_scope
from exsync_tui.core.sources.graph import GraphSource
from exsync_tui.core.sources.graph_batch import SubAnswer, _retry_after
from exsync_tui.core.sources.graph_http import GraphClient, retry_after
from exsync_tui.core.sources.graph_settings import GraphSettings

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


def test_a_batch_waits_for_the_longest_usable_retry_after() -> None:
    def sub(value: str | None) -> SubAnswer:
        return SubAnswer(429, {}, {} if value is None else {"retry-after": value})

    assert _retry_after([sub("3"), sub("0"), sub(None), sub("soon"), sub("5")]) == 5.0
    assert _retry_after([sub("0"), sub("-1")]) is None  # backoff, not a tight loop


class _Handler(BaseHTTPRequestHandler):
    """Logs each GET and answers it with ``reply`` (status, headers, body)."""

    seen: list[tuple[str, str | None]] = []
    reply: Callable[[str, int], tuple[int, dict[str, str], bytes]]

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        self.seen.append((self.path, self.headers.get("Authorization")))
        status, headers, body = type(self).reply(self.path, len(self.seen))
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def test_a_redirect_is_refused_not_followed(server: str) -> None:
    _Handler.reply = staticmethod(lambda path, n: (302, {"Location": "/v1.0/elsewhere"}, b""))
    client = GraphClient(server, lambda: "token-1", threading.Event(), budget_s=5)
    with credentials_scope(["127.0.0.1"]), pytest.raises(TopicError) as raised:
        client.get(client.url("me/mailFolders"))
    client.close()
    assert raised.value.topic_id == "response-rejected"
    assert "redirect" in raised.value.detail
    # Only the first request went out: the Location was never asked for.
    assert _Handler.seen == [("/v1.0/me/mailFolders", "Bearer token-1")]


def test_a_next_link_handed_out_twice_ends_the_listing(server: str) -> None:
    def reply(path: str, count: int) -> tuple[int, dict[str, str], bytes]:
        # The same page link every time (20 times at most, so a loop ends the test too).
        page: dict[str, object] = {"value": []}
        if count < 20:
            page["@odata.nextLink"] = f"{server}/v1.0/me/mailFolders?$skiptoken=same"
        return 200, {"Content-Type": "application/json"}, json.dumps(page).encode()

    _Handler.reply = staticmethod(reply)
    source = GraphSource(GraphSettings(graph_url=server), lambda: "token-1")
    with source, pytest.raises(TopicError) as raised:
        source.sync_hierarchy(None)
    assert raised.value.topic_id == "response-rejected"
    assert len(_Handler.seen) == 2  # the first page and the link; not the link again


def test_a_delta_page_that_links_to_itself_is_refused(server: str) -> None:
    link = f"{server}/v1.0/me/mailFolders/inbox/messages/delta?$skiptoken=same"

    def reply(path: str, count: int) -> tuple[int, dict[str, str], bytes]:
        page: dict[str, object] = {"value": []}
        if "/delta" in path:
            page["@odata.nextLink"] = link
        return 200, {"Content-Type": "application/json"}, json.dumps(page).encode()

    _Handler.reply = staticmethod(reply)
    with GraphSource(GraphSettings(graph_url=server), lambda: "token-1") as source:
        first = source.sync_items("inbox", None)  # a first page that links on is fine
        assert not first.includes_last
        with pytest.raises(TopicError) as raised:
            source.sync_items("inbox", first.sync_state)
    assert raised.value.topic_id == "response-rejected"


def test_a_calendar_view_page_that_links_to_itself_is_refused(server: str) -> None:
    link = f"{server}/v1.0/me/calendars/cal/calendarView/delta?$skiptoken=same"

    def reply(path: str, count: int) -> tuple[int, dict[str, str], bytes]:
        page: dict[str, object] = {"value": []}
        if path.startswith("/v1.0/me/calendars?"):
            page["value"] = [{"id": "cal", "name": "Calendar"}]
        elif "/delta" in path:
            page["@odata.nextLink"] = link
        return 200, {"Content-Type": "application/json"}, json.dumps(page).encode()

    _Handler.reply = staticmethod(reply)
    now = dt.datetime.now(dt.UTC)
    window = (now - dt.timedelta(days=30), now + dt.timedelta(days=365))
    with GraphSource(GraphSettings(graph_url=server), lambda: "token-1") as source:
        first = source.sync_calendar("cal", None, 100, window)
        assert not first.includes_last
        with pytest.raises(TopicError) as raised:
            source.sync_calendar("cal", first.sync_state, 100, window)
    assert raised.value.topic_id == "response-rejected"
