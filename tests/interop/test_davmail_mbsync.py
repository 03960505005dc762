"""An EWS client nobody here wrote reads the sandbox: DavMail as IMAP gateway, mbsync pulling.

Every message of every mail folder must arrive byte-identical (apart from line endings and
mbsync's own X-TUID header), subfolders included, with the right Maildir flags; flags changed
through IMAP (STORE), an APPEND, a MOVE and an EXPUNGE must reach the sandbox's truth.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import imaplib
import re
from pathlib import Path
from typing import Any

import pytest

from exsync_tui.sandbox import Sandbox
from exsync_tui.sandbox.davmail import (
    DEBIAN_PACKAGES,
    davmail,
    davmail_certificate_hash,
    missing_tools,
    run_mbsync,
)

# The IMAP names DavMail gives Exchange's special folders.
_SPECIAL_NAMES = {
    "inbox": "INBOX",
    "sentitems": "Sent",
    "deleteditems": "Trash",
    "junkemail": "Junk",
    "drafts": "Drafts",
    "outbox": "Unsent Messages",
}
_MAIL_CLASSES = (None, "IPF.Note")
_X_TUID = re.compile(rb"^X-TUID: [^\n]*\n", re.MULTILINE)


def _imap_utf7_decode(name: str) -> str:
    """IMAP's modified UTF-7 (RFC 3501 5.1.3), which mbsync keeps in Maildir folder names."""

    def decode(match: re.Match[str]) -> str:
        encoded = match.group(1)
        if not encoded:
            return "&"
        padded = encoded.replace(",", "/") + "=" * (-len(encoded) % 4)
        return base64.b64decode(padded).decode("utf-16-be")

    return re.sub(r"&([^-]*)-", decode, name)


def _normalized(raw: bytes) -> bytes:
    header, separator, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    return _X_TUID.sub(b"", header + b"\n") + separator[1:] + body


def _message_id(raw: bytes) -> str:
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    return str(parsed["Message-ID"]).strip()


def _expected(truth: dict[str, Any]) -> dict[str, tuple[str, str, bytes]]:
    """Message-ID -> (IMAP folder path, Maildir flags, normalized content), from the truth."""
    folders = {f["id"]: f for f in truth["folders"]}
    top = next(f["id"] for f in truth["folders"] if f["distinguished"] == "msgfolderroot")

    def path(folder_id: str) -> str | None:
        names: list[str] = []
        while folder_id != top:
            folder = folders[folder_id]
            if folder["parent_id"] is None or folder["folder_class"] not in _MAIL_CLASSES:
                return None  # not below the message root, or not a mail folder
            special = _SPECIAL_NAMES.get(folder["distinguished"] or "")
            # DavMail writes ">" in folder names as Exchange's WebDAV escape.
            names.append(special or folder["name"].replace(">", "_x003E_"))
            folder_id = folder["parent_id"]
        return "/".join(reversed(names))

    expected = {}
    for item in truth["items"]:
        where = path(item["folder_id"]) if item["kind"] == "message" else None
        if where is None:
            continue
        flags = {
            "D": item["is_draft"],
            "F": item["flagged"],
            "P": item["forwarded"],
            "R": item["answered"],
            "S": item["is_read"],
        }
        letters = "".join(letter for letter, on in flags.items() if on)
        expected[item["message_id"]] = (where, letters, _normalized(item["mime"]))
    return expected


def _pulled(maildir: Path) -> dict[str, tuple[str, str, bytes]]:
    """Message-ID -> (folder path, flags, normalized content) of what mbsync wrote."""
    found = {}
    for message in sorted(maildir.rglob("*")):
        if not message.is_file() or message.parent.name not in ("cur", "new"):
            continue
        folder = _imap_utf7_decode(message.parent.parent.relative_to(maildir).as_posix())
        flags = message.name.partition(":2,")[2]
        raw = message.read_bytes()
        found[_message_id(raw)] = (folder, "".join(sorted(flags)), _normalized(raw))
    return found


def _store(port: int, user: str, password: str, criteria: str, flags: str) -> str:
    """`UID STORE` `flags` on the first INBOX message matching `criteria`; its Message-ID."""
    with imaplib.IMAP4("127.0.0.1", port, timeout=60) as imap:
        imap.login(user, password)
        imap.select("INBOX")
        status, data = imap.uid("SEARCH", criteria)
        assert status == "OK" and data[0], f"no INBOX message is {criteria}"
        uid = data[0].split()[0].decode()
        status, _ = imap.uid("STORE", uid, *flags.split(" ", 1))
        assert status == "OK"
        status, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        assert status == "OK" and isinstance(fetched[0], tuple)
        return _message_id(fetched[0][1])


_APPENDED = (
    b"From: Partner <partner@contoso.test>\r\nTo: alice@example.com\r\n"
    b"Subject: Appended through IMAP\r\nMessage-ID: <appended.1@contoso.test>\r\n"
    b"Date: Mon, 02 Nov 2026 10:00:00 +0000\r\n\r\nHello\r\n"
)


def _append_move_expunge(port: int, user: str, password: str) -> tuple[str, str]:
    """APPEND one message, MOVE one to Archive, expunge one; Message-IDs moved and expunged."""
    with imaplib.IMAP4("127.0.0.1", port, timeout=60) as imap:
        imap.login(user, password)
        status, _ = imap.append("INBOX", "(\\Seen \\Flagged)", None, _APPENDED)
        assert status == "OK"
        imap.select("INBOX")
        status, data = imap.uid("SEARCH", "UNFLAGGED")
        first, second = data[0].split()[:2]
        ids = []
        for uid in (first, second):
            status, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            assert status == "OK" and isinstance(fetched[0], tuple)
            ids.append(_message_id(fetched[0][1]))
        assert imap.uid("MOVE", first, "Archive")[0] == "OK"
        assert imap.uid("STORE", second, "+FLAGS", "(\\Deleted)")[0] == "OK"
        assert imap.expunge()[0] == "OK"
        return ids[0], ids[1]


@pytest.mark.system
def test_davmail_and_mbsync_pull_every_mail_folder_and_imap_writes_reach_the_server(
    fresh_sandbox: Any, tmp_path: Path
) -> None:
    missing = missing_tools()
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: install the Debian packages {DEBIAN_PACKAGES}")
    sandbox: Sandbox = fresh_sandbox(users=1, messages=40, events=2, hostile_names=False)
    user = sandbox.info.users[0]
    certificate_hash = davmail_certificate_hash(sandbox.info.host, sandbox.info.port)
    maildir = tmp_path / "Mail"
    with davmail(sandbox.info.ews_url, certificate_hash, tmp_path) as imap_port:
        run_mbsync(imap_port, user.email, user.password, maildir, tmp_path)
        expected = _expected(sandbox.control.truth(user.email))
        pulled = _pulled(maildir)
        assert {mid: v[:2] for mid, v in pulled.items()} == {
            mid: v[:2] for mid, v in expected.items()
        }
        assert any("/" in folder for folder, _, _ in expected.values())  # subfolders too
        for message_id, (_, _, content) in expected.items():
            assert pulled[message_id][2] == content, message_id

        flagged = _store(imap_port, user.email, user.password, "UNFLAGGED", "+FLAGS (\\Flagged)")
        unread = _store(imap_port, user.email, user.password, "SEEN", "-FLAGS (\\Seen)")
        moved, expunged = _append_move_expunge(imap_port, user.email, user.password)
    truth = sandbox.control.truth(user.email)
    after = {i["message_id"]: i for i in truth["items"] if i["kind"] == "message"}
    folder_names = {f["id"]: f["name"] for f in truth["folders"]}
    assert after[flagged]["flagged"] is True
    assert after[unread]["is_read"] is False
    appended = after["<appended.1@contoso.test>"]
    assert appended["mime"] == _APPENDED and folder_names[appended["folder_id"]] == "Inbox"
    assert appended["is_read"] and appended["flagged"] and not appended["is_draft"]
    assert folder_names[after[moved]["folder_id"]] == "Archive"
    assert expunged not in after
