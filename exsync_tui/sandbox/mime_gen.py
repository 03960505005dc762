"""Generated messages, rendered on demand from a per-message seed.

A generated message keeps only its envelope (subject, addresses, dates, Message-ID) and a seed
in memory; its MIME is rebuilt from them whenever a client asks, byte for byte the same each
time. That is what lets the sandbox hold 80,000 messages in a few hundred megabytes. The MIME is
assembled from prepared pieces (a pool of wrapped sentences, a block of base64-encoded noise for
large attachments) because building it with the `email` package took about 5 ms per message,
which would make the sandbox, not the client, the bottleneck of every benchmark.

The variety is what real mail servers store: plain, HTML, alternative, attachments (some of
them large), legacy charsets, RFC 2047-encoded and folded headers, CRLF line endings.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import functools
import random
from typing import NamedTuple, Protocol

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
_MASK = (1 << 64) - 1
_WIDTH = 76
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WORD_BYTES = 45  # an encoded-word of 45 bytes is 72 characters, within RFC 2047's 75
_POOL = 2048
# Base64 turns 57 bytes into one 76-character line; slices of whole lines stay valid base64.
_LINE_BYTES, _LINE_LEN = 57, 78
_NOISE_LINES = 16_384
_SCAN_LINES = 7_018  # 400,026 bytes: roughly one in 25 messages carries a scanned document


class _Stream:
    """A splitmix64 stream from a message's seed.

    Seeding a `random.Random` (Mersenne Twister) per message cost more than the rest of rendering.
    """

    __slots__ = ("_state",)

    def __init__(self, seed: int) -> None:
        self._state = seed

    def bits64(self) -> int:
        """The next 64 pseudo-random bits."""
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK
        z = self._state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def below(self, bound: int) -> int:
        """A number in [0, bound) (the modulo bias is irrelevant here)."""
        return self.bits64() % bound


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize()


def _wrapped(text: str) -> bytes:
    """`text` broken at spaces into CRLF lines of at most 76 characters."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > _WIDTH:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\r\n".join(lines).encode()


def _b64_lines(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


_POOL_RNG = random.Random(0x5A4D)
_SENTENCES = tuple(
    _wrapped(_sentence(_POOL_RNG, _POOL_RNG.randint(8, 30)) + ".") for _ in range(_POOL)
)
# Subjects come from pools too: drawing them word by word dominated the sandbox's start.
_SUBJECT_POOL = tuple(_sentence(_POOL_RNG, _POOL_RNG.randint(2, 7)) for _ in range(_POOL))
_UNICODE_POOL = tuple(
    f"{_POOL_RNG.choice(_UNICODE_SUBJECTS)} — {_sentence(_POOL_RNG, 12)}" for _ in range(_POOL)
)
_NOISE = _b64_lines(_POOL_RNG.randbytes(_NOISE_LINES * _LINE_BYTES))
_LATIN1_QP = binascii.b2a_qp(_LATIN1.encode("iso-8859-1")).replace(b"\n", b"\r\n") + b"\r\n\r\n"
_CYRILLIC_KOI8 = _CYRILLIC.encode("koi8-r") + b"\r\n\r\n"
_PDF_HEAD = _b64_lines(b"%PDF-1.4\n" + _POOL_RNG.randbytes(_LINE_BYTES - 9))
_NOTES = _b64_lines(f"Файл: {_LATIN1}".encode())


class Envelope(NamedTuple):
    """What a generated message keeps in memory besides its sender and dates."""

    subject: str
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    message_id: str
    seed: int


class Generated(Protocol):
    """The fields of a stored message that its MIME is rendered from."""

    gen_number: int
    gen_seed: int
    subject: str
    sender_name: str
    sender_email: str
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    sent: dt.datetime
    message_id: str


def envelope(
    rng: random.Random,
    number: int,
    recipients: list[tuple[str, str]],
    domain: str,
) -> Envelope:
    """The envelope of the `number`-th generated message; the variety cycles with `number`."""
    if number % 8 == 5:
        # Non-ASCII and long enough to be RFC 2047 encoded and folded.
        subject = _UNICODE_POOL[int(rng.random() * _POOL)]
    else:
        subject = _SUBJECT_POOL[int(rng.random() * _POOL)]
    cc = recipients[1:] if number % 8 in (2, 5) else []
    message_id = f"<{rng.getrandbits(64):016x}.{number}@{domain}>"
    return Envelope(subject, recipients[:1], cc, message_id, rng.getrandbits(63))


def has_attachments(number: int) -> bool:
    """Whether the `number`-th generated message carries attachments."""
    return number % 8 in (3, 7) or number % 25 == 12


def render(message: Generated) -> bytes:
    """The message's MIME bytes."""
    return b"".join(_noise(p) if isinstance(p, tuple) else p for p in _pieces(message))


def size(message: Generated) -> int:
    """The length of `render(message)`, without copying its large attachments."""
    return sum((p[1] * _LINE_LEN) if isinstance(p, tuple) else len(p) for p in _pieces(message))


Piece = bytes | tuple[int, int]  # bytes, or (first line, line count) of the encoded noise


def _noise(piece: tuple[int, int]) -> bytes:
    first, count = piece
    return _NOISE[first * _LINE_LEN : (first + count) * _LINE_LEN]


def _pieces(message: Generated) -> list[Piece]:
    rng = _Stream(message.gen_seed)
    number = message.gen_number
    variant = number % 8
    pieces: list[Piece] = [_headers(message, rng, variant)]
    text = b"\r\n\r\n".join(_SENTENCES[rng.below(_POOL)] for _ in range(1 + rng.below(4)))
    text += b"\r\n"
    attachments: list[list[Piece]] = []
    if variant == 3:
        lines = 35 + rng.below(316)  # 2 to 20 KB
        first = rng.below(_NOISE_LINES - lines + 1)
        attachments.append(
            [
                _attachment_headers("application/pdf", 'filename="report.pdf"'),
                _PDF_HEAD,
                (first, lines),
            ]
        )
    if variant == 7:
        name = "filename*=utf-8''n%C3%B6tes%20%C3%BC.txt"
        attachments.append([_attachment_headers('text/plain; charset="utf-8"', name), _NOTES])
    if number % 25 == 12:
        first = rng.below(_NOISE_LINES - _SCAN_LINES + 1)
        attachments.append(
            [_attachment_headers("image/jpeg", 'filename="scan.jpg"'), (first, _SCAN_LINES)]
        )
    body = _body(rng, variant, text)
    if not attachments:
        return pieces + body
    boundary = _boundary(rng)
    pieces.append(b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n')
    for part in (body, *attachments):
        pieces.append(b"--" + boundary + b"\r\n")
        pieces.extend(part)
    pieces.append(b"--" + boundary + b"--\r\n")
    return pieces


def _headers(message: Generated, rng: _Stream, variant: int) -> bytes:
    lines = [
        "Subject: " + _subject(message.subject),
        "From: " + _address((message.sender_name, message.sender_email)),
        "To: " + ", ".join(_address(r) for r in message.to),
    ]
    if message.cc:
        lines.append("Cc: " + ", ".join(_address(r) for r in message.cc))
    lines.append("Date: " + _date(message.sent))
    lines.append("Message-ID: " + message.message_id)
    if variant == 7:
        domain = message.message_id.rpartition("@")[2].rstrip(">")
        thread = f"<{rng.bits64():016x}.thread@{domain}>"
        lines += [f"In-Reply-To: {thread}", f"References: {thread}"]
    lines.append("MIME-Version: 1.0\r\n")
    return "\r\n".join(lines).encode()


@functools.lru_cache(maxsize=1024)
def _address(person: tuple[str, str]) -> str:
    # A mailbox's correspondents are few; encoding their names is not.
    return email.utils.formataddr(person)


def _date(moment: dt.datetime) -> str:
    """An RFC 5322 date in UTC (as `email.utils.format_datetime` writes it, at a third the cost)."""
    utc = moment.astimezone(dt.UTC)
    return (
        f"{_DAYS[utc.weekday()]}, {utc.day:02d} {_MONTHS[utc.month - 1]} {utc.year:04d} "
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} +0000"
    )


@functools.lru_cache(maxsize=2 * _POOL)
def _subject(subject: str) -> str:
    """The Subject value, as RFC 2047 base64 encoded-words on folded lines unless plain ASCII.

    Hand-made because `email.header.Header.encode` took a millisecond per subject.
    """
    if subject.isascii() and len(subject) < _WIDTH - len("Subject: "):
        return subject
    words, chunk = [], b""
    for char in subject:
        encoded = char.encode()
        if len(chunk) + len(encoded) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode()}?=" for w in words)


def _body(rng: _Stream, variant: int, text: bytes) -> list[Piece]:
    """The message's readable part(s), with their Content-Type headers."""
    if variant == 1:
        return [
            _text_headers("html", "utf-8", "7bit"),
            b"<html><body><p>" + text + b"</p></body></html>\r\n",
        ]
    if variant == 2:
        boundary = _boundary(rng)
        html = b"<html><body><p><b>" + text + b"</b></p></body></html>\r\n"
        return [
            b'Content-Type: multipart/alternative; boundary="' + boundary + b'"\r\n\r\n',
            b"--" + boundary + b"\r\n" + _text_headers("plain", "utf-8", "7bit") + text,
            b"--" + boundary + b"\r\n" + _text_headers("html", "utf-8", "7bit") + html,
            b"--" + boundary + b"--\r\n",
        ]
    if variant == 4:
        return [_text_headers("plain", "iso-8859-1", "quoted-printable"), _LATIN1_QP + text]
    if variant == 6:
        return [_text_headers("plain", "koi8-r", "8bit"), _CYRILLIC_KOI8 + text]
    return [_text_headers("plain", "utf-8", "7bit"), text]


def _text_headers(subtype: str, charset: str, encoding: str) -> bytes:
    return (
        f'Content-Type: text/{subtype}; charset="{charset}"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode()


def _attachment_headers(content_type: str, filename: str) -> bytes:
    return (
        f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: attachment; {filename}\r\n\r\n"
    ).encode()


def _boundary(rng: _Stream) -> bytes:
    return f"=_sandbox_{rng.bits64():016x}".encode()
