"""A message read by ``exsync send``: checked, given a Message-ID, its envelope worked out.

Exchange delivers a MIME message to the addresses in its To and Cc fields plus
the ``BccRecipients`` sent beside it, and strips the Bcc field from what it
transmits. So the envelope recipients (the command's arguments, or with ``-t``
the To, Cc and Bcc fields) that are not already in To or Cc go as
``BccRecipients``, and the Bcc field never leaves this machine: neither the
recipients nor the copy in Sent Items show it.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from exsync_tui.core.send.headers import HeaderError, RawMessage

_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+$")


class MessageError(ValueError):
    """The input is not a message that can be sent (sendmail's EX_DATAERR)."""


class AddressError(ValueError):
    """A recipient or sender that is not an e-mail address (sendmail's EX_NOUSER)."""


class NoRecipients(ValueError):
    """Nobody to send to (sendmail's EX_USAGE)."""


@dataclass(frozen=True)
class Outgoing:
    """A message ready to hand to Exchange.

    ``mime`` has a Message-ID and no Bcc field; ``recipients`` is the whole
    envelope; ``bcc`` the part of it Exchange would not find in To or Cc.
    ``digest`` identifies the submission (input bytes and envelope), so a
    retried submission after a crash is recognised.
    """

    mime: bytes
    message_id: str
    sender: str | None
    recipients: tuple[str, ...]
    bcc: tuple[str, ...]
    digest: str


def addresses(values: Sequence[str]) -> list[str]:
    """The bare addresses in header values or arguments (``Name <a@b>, c@d``), in order.

    :class:`AddressError` names any that is not an address.
    """
    found: list[str] = []
    for name, address in email.utils.getaddresses(list(values)):
        address = address.strip()
        if not address and not name:
            continue
        if not _ADDRESS.match(address):
            raise AddressError(f"not an e-mail address: {address or name!r}")
        if address.lower() not in (a.lower() for a in found):
            found.append(address)
    return found


def submission_digest(raw: bytes, recipients: Sequence[str], from_headers: bool) -> str:
    """What identifies one submission: the bytes read and how recipients were given."""
    digest = hashlib.sha256(raw)
    digest.update(b"\0" + "\n".join(recipients).encode() + (b"\0-t" if from_headers else b""))
    return digest.hexdigest()


def prepare(
    raw: bytes,
    recipients: Sequence[str],
    *,
    from_headers: bool,
    sender: str | None = None,
) -> Outgoing:
    """Check ``raw`` and work out its envelope (see the module docstring).

    ``recipients`` are the command's arguments; ``from_headers`` (``-t``) adds the
    To, Cc and Bcc fields' addresses. ``sender`` (``-f``) overrides the From field
    for choosing the profile only: Exchange sends as the mailbox.
    """
    if not raw.strip():
        raise MessageError("the message is empty")
    try:
        message = RawMessage.parse(raw)
    except HeaderError as error:
        raise MessageError(f"this is not an RFC 5322 message: {error}") from None
    visible = addresses(message.values("To") + message.values("Cc"))
    envelope = addresses(list(recipients))
    if from_headers:
        envelope = addresses([*envelope, *visible, *message.values("Bcc")])
    if not envelope:
        raise NoRecipients(
            "no recipients: give them as arguments, or use -t to read To, Cc and Bcc"
        )
    from_field = addresses(message.values("From"))
    sender = addresses([sender])[0] if sender else (from_field[0] if from_field else None)
    ids = message.values("Message-ID")
    message_id = ids[0] if ids else ""
    if not re.fullmatch(r"<[^<>\s]+@[^<>\s]+>", message_id):
        if ids:
            message = message.without("Message-ID")
        domain = sender.rpartition("@")[2] if sender else "exsync.invalid"
        message_id = email.utils.make_msgid(domain=domain)
        message = message.with_field("Message-ID", message_id)
    shown = {a.lower() for a in visible}
    return Outgoing(
        mime=message.without("Bcc", "Resent-Bcc").to_bytes(),
        message_id=message_id,
        sender=sender,
        recipients=tuple(envelope),
        bcc=tuple(a for a in envelope if a.lower() not in shown),
        digest=submission_digest(raw, recipients, from_headers),
    )
