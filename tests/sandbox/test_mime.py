"""Messages are stored as given and EWS reports their decoded envelope."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from typing import Any

from exsync_tui.sandbox.mime import summarize
from tests.sandbox.helpers import account_for


def _hostile_message() -> bytes:
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = "Ünïcödé 📬 " + "very long subject " * 6
    message["From"] = "Jürgen Groß <juergen@example.com>"
    message["To"] = "Zoë <zoe@example.com>"
    message["Message-ID"] = "<hostile.1@example.com>"
    message["Date"] = "Mon, 02 Nov 2026 10:00:00 +0100"
    message.set_content("Grüße aus Köln", charset="iso-8859-1", cte="quoted-printable")
    return message.as_bytes()


def test_summary_decodes_encoded_folded_headers_and_legacy_charsets() -> None:
    raw = _hostile_message()
    assert b"=?utf-8?" in raw and b"\r\n " in raw  # really encoded and folded
    summary = summarize(raw)
    assert summary.subject.startswith("Ünïcödé 📬 very long subject")
    assert summary.sender == ("Jürgen Groß", "juergen@example.com")
    assert summary.to == [("Zoë", "zoe@example.com")]
    assert summary.body_text.startswith("Grüße aus Köln")
    assert summary.sent.isoformat() == "2026-11-02T09:00:00+00:00"


def test_ews_returns_the_exact_bytes_and_decoded_fields(
    fresh_sandbox: Any, sandbox_trust: None
) -> None:
    sandbox = fresh_sandbox(messages=0, events=0)
    raw = _hostile_message()
    item_id = sandbox.control.add_message(sandbox.info.users[0].email, "inbox", mime=raw)
    (item,) = [i for i in account_for(sandbox).inbox.all() if i.id == item_id]
    assert item.mime_content == raw
    assert item.subject.startswith("Ünïcödé 📬")
    assert item.sender.name == "Jürgen Groß"
    assert item.message_id == "<hostile.1@example.com>"
