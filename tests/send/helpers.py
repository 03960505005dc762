"""Running the real `exsync send` in a child process, and reading what the sandbox sent."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from email.message import EmailMessage
from typing import Any

from exsync_tui.sandbox import Sandbox


def message(
    subject: str,
    sender: str,
    to: str,
    *,
    cc: str | None = None,
    bcc: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """An RFC 5322 message as a mail client hands it to sendmail."""
    built = EmailMessage(policy=email.policy.SMTP)
    built["From"] = sender
    built["To"] = to
    for name, value in (("Cc", cc), ("Bcc", bcc), ("Message-ID", message_id)):
        if value is not None:
            built[name] = value
    built["Subject"] = subject
    built.set_content(f"Body of {subject}.\n")
    return built.as_bytes()


def run_send(
    *args: str, stdin: bytes = b"", env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``exsync send ARGS < stdin`` in a child process (the test's XDG dirs apply)."""
    done = subprocess.run(
        [sys.executable, "-m", "exsync_tui", "send", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def sent(sb: Sandbox, user: int = 0) -> list[dict[str, Any]]:
    """What the mailbox transmitted: each message's envelope recipients and parsed MIME."""
    return [
        {"recipients": sorted(e["recipients"]), "message": email.message_from_bytes(e["mime"])}
        for e in sb.control.outbox_envelopes(sb.info.users[user].email)
    ]


def sent_items(sb: Sandbox, user: int = 0) -> list[email.message.Message]:
    """The parsed MIME of every message in the mailbox's Sent Items."""
    truth = sb.control.truth(sb.info.users[user].email)
    folder = next(f["id"] for f in truth["folders"] if f["distinguished"] == "sentitems")
    return [email.message_from_bytes(i["mime"]) for i in truth["items"] if i["folder_id"] == folder]
