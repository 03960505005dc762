"""A saved profile for a sandbox mailbox, and an EWS source opened from it, as a sync would."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from exsync_tui.core.profiles import MailboxMetadata, Profile, TlsTrust, new_profile
from exsync_tui.core.sources.ews import EwsSource
from exsync_tui.sandbox import Sandbox
from tests.connect.helpers import sandbox_connect_to

SERVER_VERSION = "Microsoft Exchange Server 2016 (15.1.2507.6)"


def sandbox_profile(sb: Sandbox, user: int = 0, auth: str = "basic") -> Profile:
    """A manual profile for the sandbox's ``user``-th mailbox, as connecting would have saved it."""
    info = sb.info
    account = info.users[user]
    assert info.ca_file is not None
    ews_url = f"https://mail.{info.domain}/EWS/Exchange.asmx"
    return new_profile(
        f"user{user}",
        account.email,
        username=account.username,
        ews_url=ews_url,
        tls=TlsTrust(ca_file=Path(info.ca_file)),
        connect_to=sandbox_connect_to(sb),
        metadata=MailboxMetadata(
            primary_smtp_address=account.email,
            ews_url=ews_url,
            server_version=SERVER_VERSION,
            auth_type=auth,
        ),
    )


def open_source(
    sb: Sandbox, user: int = 0, *, cancel: threading.Event | None = None, **kwargs: Any
) -> EwsSource:
    """An EWS source for a sandbox mailbox, from its saved profile and password."""
    password = sb.info.users[user].password
    return EwsSource.from_profile(sandbox_profile(sb, user), password, cancel=cancel, **kwargs)


def folder_id(sb: Sandbox, distinguished: str, user: int = 0) -> str:
    """The id of a well-known folder (``inbox``, ``calendar``...) in the server's truth."""
    truth = sb.control.truth(sb.info.users[user].email)
    return str(next(f["id"] for f in truth["folders"] if f["distinguished"] == distinguished))


def truth_items(sb: Sandbox, folder: str, user: int = 0) -> dict[str, dict[str, Any]]:
    """The server's truth of the items in a folder (by id, or a well-known name), by item id."""
    truth = sb.control.truth(sb.info.users[user].email)
    ids = {f["id"] for f in truth["folders"] if folder in (f["id"], f["distinguished"])}
    return {i["id"]: i for i in truth["items"] if i["folder_id"] in ids}
