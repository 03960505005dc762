"""The message `exsync send` reads: headers kept byte for byte, envelope, Bcc, Message-ID."""

from __future__ import annotations

import email
import email.policy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exsync_tui.core.send.headers import HeaderError, RawMessage, strip_bcc
from exsync_tui.core.send.outgoing import (
    AddressError,
    MessageError,
    NoRecipients,
    prepare,
)

SIGNED = (
    b"From: Me <me@example.com>\r\nTo: You <you@example.org>,\r\n Other <other@example.org>\r\n"
    b"Bcc: hidden@example.net\r\nSubject: =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n"
    b"Message-ID: <abc.1@example.com>\r\n\r\nbody line\r\n\r\n-- \r\nsig\r\n"
)

_header_name = st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,20}\Z")
_header_value = st.from_regex(r"\A[ -~]{0,40}\Z")


@given(
    fields=st.lists(st.tuples(_header_name, _header_value), min_size=1, max_size=8),
    body=st.binary(max_size=200),
    crlf=st.booleans(),
)
def test_a_message_comes_back_byte_for_byte_when_nothing_changes(
    fields: list[tuple[str, str]], body: bytes, crlf: bool
) -> None:
    end = b"\r\n" if crlf else b"\n"
    raw = b"".join(f"{n}: {v}".encode() + end for n, v in fields) + end + body
    assert RawMessage.parse(raw).to_bytes() == raw


def test_only_the_bcc_field_goes_and_folded_fields_stay_as_they_were() -> None:
    stripped = strip_bcc(SIGNED)
    assert stripped == SIGNED.replace(b"Bcc: hidden@example.net\r\n", b"")
    assert RawMessage.parse(SIGNED).values("to") == [
        "You <you@example.org>, Other <other@example.org>"
    ]


def test_arguments_not_in_to_or_cc_become_bcc_and_the_bcc_field_is_dropped() -> None:
    out = prepare(SIGNED, ["you@example.org", "secret@example.net"], from_headers=False)
    assert out.recipients == ("you@example.org", "secret@example.net")
    assert out.bcc == ("secret@example.net",)  # other@ is in To: Exchange sends to it anyway
    parsed = email.message_from_bytes(out.mime, policy=email.policy.default)
    assert parsed["Bcc"] is None and out.message_id == "<abc.1@example.com>"
    assert out.sender == "me@example.com"


def test_with_t_the_recipients_are_to_cc_and_bcc() -> None:
    out = prepare(SIGNED, [], from_headers=True)
    assert out.recipients == ("you@example.org", "other@example.org", "hidden@example.net")
    assert out.bcc == ("hidden@example.net",)


def test_a_message_without_message_id_gets_one_in_the_senders_domain() -> None:
    raw = SIGNED.replace(b"Message-ID: <abc.1@example.com>\r\n", b"")
    first = prepare(raw, ["you@example.org"], from_headers=False)
    second = prepare(raw, ["you@example.org"], from_headers=False)
    assert first.message_id.endswith("@example.com>") and first.message_id != second.message_id
    assert f"Message-ID: {first.message_id}\r\n".encode() in first.mime
    assert first.digest == second.digest  # the same submission, whatever id it was given


def test_minus_f_overrides_the_from_field_for_choosing_the_profile() -> None:
    out = prepare(SIGNED, ["you@example.org"], from_headers=False, sender="alias@example.com")
    assert out.sender == "alias@example.com"


@pytest.mark.parametrize(
    ("raw", "recipients", "error"),
    [
        (b"", ["a@example.org"], MessageError),
        (b"\n\nonly a body\n", ["a@example.org"], MessageError),
        (b"this is not a header\nSubject: x\n\nbody", ["a@example.org"], MessageError),
        (b"Subject: x\n\nbody\n", [], NoRecipients),
        (b"Subject: x\n\nbody\n", ["not an address"], AddressError),
        (b"To: broken@@example.org\nSubject: x\n\nbody\n", ["a@example.org"], AddressError),
    ],
)
def test_what_cannot_be_sent_is_refused_with_its_reason(
    raw: bytes, recipients: list[str], error: type[Exception]
) -> None:
    with pytest.raises(error):
        prepare(raw, recipients, from_headers=False)


def test_a_header_block_must_start_the_input() -> None:
    with pytest.raises(HeaderError):
        RawMessage.parse(b" folded first\nSubject: x\n\n")
