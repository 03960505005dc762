"""Running the real `exsync send` in a child process, and reading what the sandbox sent."""

from __future__ import annotations

import email
import email.policy
import subprocess
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from exsync_tui.core.profiles import Config, Profile, save_config
from exsync_tui.core.send.queue import SendQueue
from exsync_tui.core.store.lock import LOCK_NAME
from exsync_tui.sandbox import Sandbox
from tests.forked import exsync, run_forked
from tests.sync.helpers import profile_for


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
    *args: str, stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``exsync send ARGS < stdin`` in a child process (the test's XDG dirs apply), forked
    from an interpreter that imported exsync already (tests/forked.py)."""
    done = run_forked(exsync, "send", *args, stdin=stdin, env=env)
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


def save_profiles(sb: Sandbox, tmp_path: Path, users: int) -> list[Profile]:
    """Save a connected profile (password from a command) for each of the first ``users``."""
    profiles = []
    for user in range(users):
        secret = tmp_path / f"password-{user}"
        secret.write_text(sb.info.users[user].password + "\n")
        secret.chmod(0o600)
        profile = replace(profile_for(sb, user), password_command=("cat", str(secret)))
        profiles.append(profile)
    save_config(Config(profiles={p.name: p for p in profiles}))
    return profiles


def queue_files(profile: Profile) -> list[Path]:
    """Every file in the profile's send queue directory (entries and leftovers alike)."""
    directory = SendQueue.of(profile).directory
    if not directory.exists():
        return []
    return sorted(p for p in directory.iterdir() if p.name != LOCK_NAME)
