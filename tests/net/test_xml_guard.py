"""The prolog check that keeps DTDs (entity bombs) away from every XML parser exsync uses."""

from __future__ import annotations

import pytest

from exsync_tui.core.net.xml_guard import MAX_PROLOG_BYTES, PrologCheck, UnsafeXml
from tests.hostile.behaviours import BILLION_LAUGHS

SOAP = (
    b'<?xml version="1.0" encoding="utf-8"?><s:Envelope '
    b'xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>'
)


def _feed(data: bytes, chunk: int) -> PrologCheck:
    check = PrologCheck()
    for start in range(0, len(data), chunk):
        check.feed(data[start : start + chunk])
    return check


@pytest.mark.parametrize("chunk", [1, 7, 65536])
@pytest.mark.parametrize(
    "body",
    [
        SOAP,
        b"\xef\xbb\xbf" + SOAP,
        b"<!-- a comment --> \n" + SOAP,
        b"<!DOCTYPE html><html><body>Not found</body></html>",
        b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x.dtd"><html/>',
        b"not xml at all <!DOCTYPE x [<!ENTITY a 'b'>]>",
        SOAP.decode().encode("utf-16"),
    ],
    ids=["soap", "bom", "comment", "html", "xhtml", "not-xml", "utf16"],
)
def test_what_servers_really_send_passes(body: bytes, chunk: int) -> None:
    assert _feed(body, chunk).done


@pytest.mark.parametrize("chunk", [1, 7, 65536])
@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        BILLION_LAUGHS.decode().encode("utf-16"),
        BILLION_LAUGHS.decode().encode("utf-32-le"),
        b"<!-- hide -->" + BILLION_LAUGHS[BILLION_LAUGHS.index(b"<!DOCTYPE") :],
        b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://evil.test/x.dtd"><x/>',
        b'<?xml version="1.0"?><!doctype x [<!entity a "b">]><x>&a;</x>',
        b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE x+AD4-<x/>',
        b"\x4c\x6f\xa7\x94\x93\x40",
        b"<!-- " + b"x" * MAX_PROLOG_BYTES + b" -->" + SOAP,
    ],
    ids=["bomb", "utf16", "utf32", "after-comment", "external", "lower", "utf7", "ebcdic", "long"],
)
def test_dtds_and_tricks_are_refused(body: bytes, chunk: int) -> None:
    with pytest.raises(UnsafeXml):
        _feed(body, chunk)
