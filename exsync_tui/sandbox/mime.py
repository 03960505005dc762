"""MIME as EWS sees it: the envelope of a stored message, and plain messages for the control API.

Generated mailboxes render their messages in `mime_gen`; this module reads any message back.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import EmailMessage


@dataclass(frozen=True)
class MessageSummary:
    """The envelope fields EWS reports for a message, read back from its MIME."""

    subject: str
    sender: tuple[str, str]
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    message_id: str
    sent: dt.datetime
    has_attachments: bool
    body_text: str
    body_is_html: bool


def summarize(mime: bytes) -> MessageSummary:
    """Parse the envelope and body EWS reports for a message.

    The legacy (compat32) parser is three times faster than the modern one here.
    """
    message = email.message_from_bytes(mime)
    date_header = message.get("Date")
    sent = email.utils.parsedate_to_datetime(str(date_header)) if date_header else None
    chosen = None
    has_attachments = False
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            has_attachments = True
            continue
        kind = part.get_content_type()
        # The first text/plain part wins; an HTML part only while no plain one was seen.
        first_plain = kind == "text/plain" and (chosen is None or chosen.get_content_type() != kind)
        if first_plain or (kind == "text/html" and chosen is None):
            chosen = part
    body_text, body_is_html = "", False
    if chosen is not None:
        payload = chosen.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        try:
            body_text = raw.decode(chosen.get_content_charset() or "us-ascii")
        except (LookupError, UnicodeError):
            body_text = raw.decode("utf-8", "replace")
        body_is_html = chosen.get_content_type() == "text/html"
    sender = _addresses(message.get_all("From", []))
    return MessageSummary(
        subject=_decode(message.get("Subject")),
        sender=sender[0] if sender else ("", ""),
        to=_addresses(message.get_all("To", [])),
        cc=_addresses(message.get_all("Cc", [])),
        message_id=str(message.get("Message-ID", "")).strip(),
        sent=(sent or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).astimezone(dt.UTC),
        has_attachments=has_attachments,
        body_text=body_text,
        body_is_html=body_is_html,
    )


def _decode(value: object) -> str:
    """An RFC 2047 header value as text."""
    return str(make_header(decode_header(str(value or ""))))


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    parsed = email.utils.getaddresses([str(v) for v in values])
    return [(_decode(name), address) for name, address in parsed]


def simple_message(
    subject: str, body: str, sender: tuple[str, str], to: tuple[str, str], message_id: str
) -> bytes:
    """A plain-text message, for control-API additions that give only a subject and body."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = subject
    message["From"] = email.utils.formataddr(sender)
    message["To"] = email.utils.formataddr(to)
    message["Date"] = email.utils.format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()
