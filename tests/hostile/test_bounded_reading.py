"""Answers read through the adapter: 64 KiB slices for parsing, caps, and the deadline."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
from exchangelib.util import to_xml

from exsync_tui.core.connect.runner import policy_for
from exsync_tui.core.net import (
    DeadlineExceededError,
    EwsHTTPAdapter,
    ExsyncHTTPAdapter,
    NetScope,
    ResponseTooLargeError,
    applied,
    net_scope,
)
from exsync_tui.core.net.bounded import PARSE_CHUNK_BYTES
from tests.hostile.behaviours import answer, drip, flood
from tests.hostile.server import HostileServer

MIB = 1024 * 1024


@pytest.fixture
def reach(hostile: HostileServer) -> Iterator[str]:
    """The hostile server's policy applied; yields its EWS URL."""
    request = hostile.request()
    with applied(policy_for(request), list(hostile.hosts)):
        yield f"https://mail.{hostile.domain}/EWS/Exchange.asmx"


def _session(adapter: type[ExsyncHTTPAdapter] = ExsyncHTTPAdapter) -> requests.Session:
    session = requests.Session()
    session.mount("https://", adapter(max_retries=0))
    return session


def _soap(size: int) -> bytes:
    head = b'<?xml version="1.0"?><Envelope><Body><Data>'
    tail = b"</Data></Body></Envelope>"
    return head + b"x" * (size - len(head) - len(tail)) + tail


def test_a_body_in_memory_is_handed_to_parsers_in_64_kib_slices(
    hostile: HostileServer, reach: str
) -> None:
    body = _soap(300 * 1024)
    hostile.behave(answer(200, body))

    response = _session().post(reach, data=b"")

    sizes = [len(chunk) for chunk in response.iter_content()]
    assert sizes[0] == PARSE_CHUNK_BYTES and sum(sizes) == len(body)
    assert to_xml(response.iter_content()).getroot().tag == "Envelope"


def test_a_streamed_body_keeps_the_one_byte_default(hostile: HostileServer, reach: str) -> None:
    hostile.behave(answer(200, _soap(1024)))

    response = _session().post(reach, data=b"", stream=True)

    assert [len(chunk) for chunk in response.iter_content()][:3] == [1, 1, 1]


def test_caps_depend_on_the_adapter_and_the_scope(hostile: HostileServer, reach: str) -> None:
    hostile.behave(flood(6 * MIB))

    assert len(_session(EwsHTTPAdapter).post(reach, data=b"").content) == 6 * MIB
    with pytest.raises(ResponseTooLargeError, match="larger than 4 MiB"):
        _session().post(reach, data=b"")
    with net_scope(NetScope(max_response_bytes=MIB)), pytest.raises(ResponseTooLargeError):
        _session(EwsHTTPAdapter).post(reach, data=b"")


def test_the_scope_deadline_ends_a_dripping_answer(hostile: HostileServer, reach: str) -> None:
    hostile.behave(drip(0.2, headers_first=True))
    scope = NetScope(budget_s=1.5)
    started = time.monotonic()

    with net_scope(scope), pytest.raises(DeadlineExceededError):
        _session().post(reach, data=b"")

    assert 1.5 <= time.monotonic() - started < 1.5 + 2.0
    with net_scope(scope), pytest.raises(DeadlineExceededError):
        _session().post(reach, data=b"")  # after the deadline nothing more is sent
