"""The streaming GetItem reader on hostile and awkward answers (pure: no request is sent).

Answers are built here as a server would send them and fed in chunks cut at
every boundary; the reader must give the same results whatever the cuts,
never hold an over-cap MIME text, refuse a DTD, a cut-off answer and a huge
text outside MIME, and classify per-item errors as exchangelib does.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator

import pytest
from exchangelib import BASIC
from exchangelib.errors import ErrorServerBusy, MalformedResponseError

from exsync_tui.core.net.errors import ResponseRejectedError, UnsafeXmlError
from exsync_tui.core.sources import FetchedItem, FetchProblem
from exsync_tui.core.sources.ews_account import build_sync_account, forget_protocol
from exsync_tui.core.sources.ews_getitem import StreamingGetItem
from exsync_tui.core.sources.ews_settings import EwsSettings
from exsync_tui.core.sources.ews_stream import (
    MIME_CONTENT,
    CutOff,
    SoapStream,
    stream_messages,
)

_ENVELOPE_START = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
    '<s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507"'
    ' MinorBuildNumber="6" Version="V2017_07_11"'
    ' xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/></s:Header>'
    "<s:Body><m:GetItemResponse"
    ' xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"'
    ' xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
    "<m:ResponseMessages>"
)
_ENVELOPE_END = "</m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>"
_MESSAGE_TAG = (
    "{http://schemas.microsoft.com/exchange/services/2006/messages}GetItemResponseMessage"
)


def _good(item_id: str, mime: bytes, *, wrap: int = 76) -> str:
    encoded = base64.b64encode(mime).decode()
    lines = "&#13;\n".join(encoded[i : i + wrap] for i in range(0, len(encoded), wrap))
    return (
        '<m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
        f'<m:Items><t:Message><t:MimeContent CharacterSet="UTF-8">{lines}</t:MimeContent>'
        f'<t:ItemId Id="{item_id}" ChangeKey="CK"/></t:Message></m:Items>'
        "</m:GetItemResponseMessage>"
    )


def _error(code: str, text: str) -> str:
    return (
        '<m:GetItemResponseMessage ResponseClass="Error">'
        f"<m:MessageText>{text}</m:MessageText><m:ResponseCode>{code}</m:ResponseCode>"
        "<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items/></m:GetItemResponseMessage>"
    )


def _answer(*messages: str) -> bytes:
    return (_ENVELOPE_START + "".join(messages) + _ENVELOPE_END).encode()


_MIME_A = b"From: a@example.test\r\nSubject: caf\xc3\xa9\r\n\r\nHello <world> & more\r\n"
_MIME_C = b"From: c@example.test\r\nSubject: three\r\n\r\n" + bytes(range(256)) * 3
_MIXED = _answer(
    _good("A", _MIME_A),
    _error("ErrorItemNotFound", "The specified object was not found in the store."),
    _good("C", _MIME_C, wrap=40),
    _error("ErrorMimeContentConversionFailed", "Cannot convert to MIME."),
)
ServiceFor = Callable[..., StreamingGetItem]
_MIXED_IDS = ["req-a", "req-b", "req-c", "req-d"]


@pytest.fixture
def service_for() -> Iterator[ServiceFor]:
    settings = EwsSettings(
        email="user@example.test",
        ews_url="https://mail.example.test/EWS/Exchange.asmx",
        username="user",
        password="not-sent-anywhere",
        auth_type=BASIC,
        server_build="15.1.2507.6",
    )
    account, _retry = build_sync_account(settings, threading.Event())

    def make(item_ids: list[str], max_bytes: int | None = None) -> StreamingGetItem:
        return StreamingGetItem(account, item_ids, max_bytes)

    yield make
    forget_protocol(account.protocol.config)


def _outcome(results: list[FetchedItem]) -> list[tuple[str, FetchProblem | None, bytes | None]]:
    return [(r.item_id, r.problem, r.content) for r in results]


def test_results_are_the_same_wherever_the_answer_is_cut_into_chunks(
    service_for: ServiceFor,
) -> None:
    whole = _outcome(list(service_for(_MIXED_IDS).parse_chunks([_MIXED])))
    assert whole == [
        ("req-a", None, _MIME_A),
        ("req-b", FetchProblem.NOT_FOUND, None),
        ("req-c", None, _MIME_C),
        ("req-d", FetchProblem.FAILED, None),
    ]
    for cut in range(1, len(_MIXED)):
        split = [_MIXED[:cut], _MIXED[cut:]]
        assert _outcome(list(service_for(_MIXED_IDS).parse_chunks(split))) == whole, cut
    one_byte = [_MIXED[i : i + 1] for i in range(len(_MIXED))]
    assert _outcome(list(service_for(_MIXED_IDS).parse_chunks(one_byte))) == whole


def test_a_per_item_error_keeps_its_server_text(service_for: ServiceFor) -> None:
    results = list(service_for(_MIXED_IDS).parse_chunks([_MIXED]))
    assert "not found in the store" in results[1].detail
    assert "ErrorMimeContentConversionFailed" in results[3].detail


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_a_mime_far_over_the_cap_is_skipped_unheld_and_the_next_item_still_comes(
    service_for: ServiceFor,
) -> None:
    huge = b"X" * (3 * 1024 * 1024)
    answer = _answer(_good("big", huge), _good("small", _MIME_A))
    results = list(service_for(["big", "small"], 10_000).parse_chunks(_chunks(answer, 64 * 1024)))
    assert _outcome(results)[1] == ("small", None, _MIME_A)
    assert results[0].problem is FetchProblem.TOO_LARGE and results[0].content is None
    assert "over the limit" in results[0].detail

    # What the parser held of the skipped text: no more than the limit and a chunk or two.
    stream = SoapStream(_MESSAGE_TAG, max_text_bytes=100_000)
    held = []
    for chunk in _chunks(answer, 64 * 1024):
        stream.feed(chunk)
        for message in stream.messages():
            mime = next(message.iter(MIME_CONTENT))
            held.append(len(mime.text or ""))
    stream.close()
    assert held[0] < 100_000 + 2 * 64 * 1024 and held[1] > 0


def test_a_mime_a_little_over_the_cap_arrives_whole_for_the_exact_check(
    service_for: ServiceFor,
) -> None:
    # The exact cap is applied to decoded sizes by the caller; the stream only refuses to
    # hold what is far over it.
    answer = _answer(_good("near", b"Y" * 12_000))
    results = list(service_for(["near"], 10_000).parse_chunks([answer]))
    assert results[0].content == b"Y" * 12_000


def test_a_huge_text_outside_mime_refuses_the_answer() -> None:
    answer = _answer(_error("ErrorInternalServerError", "Z" * 400_000))
    stream = SoapStream(_MESSAGE_TAG, max_text_bytes=100_000)
    with pytest.raises(ResponseRejectedError, match="larger than"):
        list(stream_messages(stream, iter(_chunks(answer, 64 * 1024))))


@pytest.mark.parametrize(
    "prolog",
    [
        '<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY a "aaaaaaaaaa">]>',
        '<!DOCTYPE s:Envelope SYSTEM "http://127.0.0.1:9/evil.dtd">',
    ],
)
def test_a_dtd_is_refused_wherever_the_chunks_are_cut(prolog: str) -> None:
    answer = prolog.encode() + _MIXED[len(b'<?xml version="1.0" encoding="utf-8"?>') :]
    for size in (1, 7, 64, len(answer)):
        stream = SoapStream(_MESSAGE_TAG, max_text_bytes=100_000)
        with pytest.raises(UnsafeXmlError):
            list(stream_messages(stream, iter(_chunks(answer, size))))


def test_every_cut_off_answer_is_refused_never_read_as_shorter() -> None:
    complete = list(stream_messages(SoapStream(_MESSAGE_TAG, max_text_bytes=10**6), iter([_MIXED])))
    assert len(complete) == 4
    for cut in range(0, len(_MIXED) - 1):
        stream = SoapStream(_MESSAGE_TAG, max_text_bytes=10**6)
        with pytest.raises((CutOff, ResponseRejectedError)):
            list(stream_messages(stream, iter([_MIXED[:cut]])))


def test_a_busy_fault_raises_exchangelibs_error_with_its_back_off(service_for: ServiceFor) -> None:
    fault = (
        b'<?xml version="1.0" encoding="utf-8"?>'
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        b'<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">'
        b"a:ErrorServerBusy</faultcode><faultstring>The server cannot service this request right"
        b" now.</faultstring><detail>"
        b'<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">'
        b"ErrorServerBusy</e:ResponseCode>"
        b'<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">'
        b"Busy.</e:Message>"
        b'<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
        b'<t:Value Name="BackOffMilliseconds">2500</t:Value></t:MessageXml>'
        b"</detail></s:Fault></s:Body></s:Envelope>"
    )
    for size in (1, 13, len(fault)):
        with pytest.raises(ErrorServerBusy) as caught:
            list(service_for(["x"]).parse_chunks(_chunks(fault, size)))
        assert caught.value.back_off == 2.5


def test_after_a_retry_the_items_already_handed_out_are_not_handed_out_again(
    service_for: ServiceFor,
) -> None:
    service = service_for(_MIXED_IDS)
    first = service.parse_chunks([_MIXED])
    assert next(first).item_id == "req-a"
    first.close()  # the connection dropped after one item; exchangelib sends the request again
    again = [r.item_id for r in service.parse_chunks([_MIXED])]
    assert again == ["req-b", "req-c", "req-d"]


def test_more_items_than_requested_is_a_malformed_answer(service_for: ServiceFor) -> None:
    with pytest.raises(MalformedResponseError, match="more items"):
        list(service_for(["only-one"]).parse_chunks([_MIXED]))
