"""Realistic MIME messages: plain, HTML, alternative, attachments, legacy charsets, large ones.

Messages are built with the standard library's `email` package (CRLF line endings, folded and
RFC 2047-encoded headers) so they are what a real mail server would store.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import random
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import EmailMessage

_WORDS = [
    "quarterly",
    "report",
    "budget",
    "meeting",
    "schedule",
    "review",
    "draft",
    "proposal",
    "invoice",
    "travel",
    "team",
    "offsite",
    "release",
    "roadmap",
    "customer",
    "feedback",
    "migration",
    "server",
    "backup",
    "policy",
    "update",
    "agenda",
    "minutes",
    "contract",
    "renewal",
    "hiring",
    "onboarding",
    "training",
    "security",
    "audit",
]
_LATIN1 = "Grüße aus Köln, Café crème, señor Muñoz, naïve façade, smørrebrød à la française"
_CYRILLIC = "Привет! Отчёт за квартал готов, встреча в пятницу."
_UNICODE_SUBJECTS = ("Ünïcödé 📬 stätus", "会议纪要 — 第三季度", "Ωmega ✓ done", "Réunion d'équipe")


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


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize()


def _paragraphs(rng: random.Random, count: int) -> str:
    return "\n\n".join(_sentence(rng, rng.randint(8, 30)) + "." for _ in range(count))


def build_message(
    rng: random.Random,
    number: int,
    sender: tuple[str, str],
    recipients: list[tuple[str, str]],
    when: dt.datetime,
    domain: str,
) -> bytes:
    """The MIME bytes of the `number`-th generated message; the variety cycles with `number`."""
    variant = number % 8
    message = EmailMessage(policy=email.policy.SMTP)
    subject = _sentence(rng, rng.randint(2, 7))
    if variant == 5:
        # Non-ASCII and long enough to be RFC 2047 encoded and folded.
        subject = f"{rng.choice(_UNICODE_SUBJECTS)} — {_sentence(rng, 12)}"
    message["Subject"] = subject
    message["From"] = email.utils.formataddr(sender)
    message["To"] = ", ".join(email.utils.formataddr(r) for r in recipients[:1])
    if len(recipients) > 1 and variant in (2, 5):
        message["Cc"] = ", ".join(email.utils.formataddr(r) for r in recipients[1:])
    message["Date"] = email.utils.format_datetime(when)
    message["Message-ID"] = f"<{rng.getrandbits(64):016x}.{number}@{domain}>"
    if variant == 7:
        message["In-Reply-To"] = f"<{rng.getrandbits(64):016x}.thread@{domain}>"
        message["References"] = message["In-Reply-To"]
    text = _paragraphs(rng, rng.randint(1, 4))
    if variant == 0:
        message.set_content(text)
    elif variant == 1:
        message.set_content(f"<html><body><p>{text}</p></body></html>", subtype="html")
    elif variant == 2:
        message.set_content(text)
        message.add_alternative(f"<html><body><p><b>{text}</b></p></body></html>", subtype="html")
    elif variant == 3:
        message.set_content(text)
        payload = rng.randbytes(rng.randint(2_000, 20_000))
        message.add_attachment(
            b"%PDF-1.4\n" + payload, maintype="application", subtype="pdf", filename="report.pdf"
        )
    elif variant == 4:
        message.set_content(f"{_LATIN1}\n\n{text}", charset="iso-8859-1", cte="quoted-printable")
    elif variant == 6:
        message.set_content(f"{_CYRILLIC}\n\n{text}", charset="koi8-r", cte="8bit")
    elif variant == 7:
        message.set_content(text)
        message.add_attachment(
            f"Файл: {_LATIN1}".encode(), maintype="text", subtype="plain", filename="nötes ü.txt"
        )
    else:
        message.set_content(text)
    if number % 25 == 12:
        # Roughly one in 25 is large, as real mailboxes have scanned documents and photos.
        message.add_attachment(
            rng.randbytes(400_000), maintype="image", subtype="jpeg", filename="scan.jpg"
        )
    for part in message.walk():
        if part.is_multipart():
            # The email package picks random boundaries; the seed must decide everything.
            part.set_boundary(f"=_sandbox_{rng.getrandbits(64):016x}")
    return message.as_bytes()


def summarize(mime: bytes) -> MessageSummary:
    """Parse the envelope and body EWS reports for a message.

    The legacy (compat32) parser is three times faster than the modern one here, which keeps
    generating thousands of messages for the benchmark quick.
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
