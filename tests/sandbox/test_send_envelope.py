"""The sandbox sends as Exchange does: to To, Cc, Bcc and the recipient elements, Bcc unseen.

Through unmodified exchangelib, so the sandbox is checked apart from exsync's own client.
"""

from __future__ import annotations

import email
from typing import Any

from exchangelib import Mailbox, Message

from exsync_tui.sandbox import Sandbox
from tests.sandbox.helpers import account_for

MIME = (
    b"From: someone@example.com\r\nTo: to@example.org\r\nCc: Cc Person <cc@example.org>\r\n"
    b"Bcc: in-mime@example.net\r\nSubject: Envelope\r\nMessage-ID: <env.1@x.test>\r\n\r\nhi\r\n"
)


def test_recipients_come_from_the_fields_and_the_elements_and_bcc_is_not_transmitted(
    fresh_sandbox: Any, sandbox_trust: None
) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=1, events=0)
    account = account_for(sandbox)
    extra = [Mailbox(email_address="element@example.net")]
    Message(account=account, mime_content=MIME, bcc_recipients=extra).send_and_save()
    Message(account=account, subject="Fields", body="hi", to_recipients=[Mailbox(
        email_address="to@example.org")], bcc_recipients=extra).send(save_copy=False)  # fmt: skip
    first, second = sandbox.control.outbox_envelopes(sandbox.info.users[0].email)
    assert sorted(first["recipients"]) == [
        "cc@example.org", "element@example.net", "in-mime@example.net", "to@example.org"
    ]  # fmt: skip
    assert first["mime"] == MIME.replace(b"Bcc: in-mime@example.net\r\n", b"")
    assert sorted(second["recipients"]) == ["element@example.net", "to@example.org"]
    assert email.message_from_bytes(second["mime"])["Bcc"] is None
    assert sandbox.control.outbox(sandbox.info.users[0].email) == [first["mime"], second["mime"]]
