"""The flags of `exsync profiles add` and `edit`, and the profile fields they set."""

from __future__ import annotations

import argparse
import shlex
from dataclasses import replace
from pathlib import Path
from typing import Any

from exsync_tui.cli.profiles_common import FIELD_FLAGS, UsageError
from exsync_tui.core.profiles import (
    AuthType,
    ConnectionMode,
    Office365Settings,
    Profile,
    SyncDirection,
    SyncSelection,
    TlsTrust,
)

_M365_FLAGS = {"tenant": "--tenant", "client_id": "--client-id", "authority": "--authority",
               "graph_url": "--graph-url"}  # fmt: skip


def add_profile_flags(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    """The flags `add` takes; `edit` takes them all optional, plus a few that undo settings."""
    parser.add_argument("name", metavar="NAME", help="profile name, e.g. work")
    parser.add_argument("--email", required=not editing, help="the mailbox's email address")
    parser.add_argument("--username", help="sign-in name: user@domain.com or DOMAIN\\user")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--server", help="Exchange server host name (skips autodiscover)")
    where.add_argument("--ews-url", help="full https EWS URL (skips autodiscover)")
    where.add_argument(
        "--office365",
        action="store_true",
        help="Microsoft 365: device-code sign-in (no password), mail through Microsoft Graph",
    )
    if editing:
        where.add_argument("--autodiscover", action="store_true", help="find the server again")
    parser.add_argument("--auth", choices=["auto", "ntlm", "basic"], help="sign-in method")
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin's first line"
    )
    secret.add_argument(
        "--password-command", metavar="CMD", help="program printing the password (no shell)"
    )
    if editing:
        secret.add_argument(
            "--password-prompt", action="store_true", help="ask for a new password (hidden)"
        )
    m365 = parser.add_argument_group("Microsoft 365 (with --office365)")
    m365.add_argument("--tenant", help="tenant id or domain (default: organizations)")
    m365.add_argument("--client-id", metavar="ID", help="your organisation's application id")
    m365.add_argument("--authority", metavar="URL", help="sign-in authority (national clouds)")
    m365.add_argument("--graph-url", metavar="URL", help="Microsoft Graph base URL")
    parser.add_argument("--ca-file", metavar="FILE", help="trust this CA certificate (PEM)")
    parser.add_argument("--pin-sha256", metavar="HEX", help="trust exactly this certificate")
    if editing:
        parser.add_argument(
            "--no-password-command",
            action="store_true",
            help="remove the password command (same as --password-command '')",
        )
    hosts = parser.add_mutually_exclusive_group()
    hosts.add_argument(
        "--connect-to", action="append", metavar="HOST:PORT:ADDR:PORT", help="repeatable"
    )
    if editing:
        hosts.add_argument(
            "--clear-connect-to", action="store_true", help="remove every --connect-to rule"
        )
    parser.add_argument("--mail-dir", metavar="DIR", help="Maildir root for this profile")
    parser.add_argument("--calendar-dir", metavar="DIR", help="calendar vdirs root")
    parser.add_argument(
        "--sync-direction",
        choices=[d.value for d in SyncDirection],
        help="both (default): local flags, moves, deletions go back to the server; pull: only down",
    )
    parser.add_argument(
        "--no-verify-connect", action="store_true", help="save without trying to connect"
    )


def _absolute(value: str | None, flag: str) -> Path | None:
    """A path flag made absolute (None when not given; an empty one is refused)."""
    if value is None:
        return None
    if not value.strip():
        raise UsageError(f"{flag}: the path is empty")
    return Path(value).expanduser().absolute()


def connection_fields(args: argparse.Namespace, base: Profile | None) -> dict[str, Any]:
    """The profile fields the connection flags set (for edit: only those given)."""
    fields: dict[str, Any] = {}
    if args.server or args.ews_url:
        fields.update(mode=ConnectionMode.MANUAL, server=args.server, ews_url=args.ews_url)
    elif args.office365:
        fields.update(mode=ConnectionMode.OFFICE365, server=None, ews_url=None)
    elif getattr(args, "autodiscover", False):
        fields.update(mode=ConnectionMode.AUTODISCOVER, server=None, ews_url=None)
    mode = fields.get("mode", base.mode if base else None)
    if args.auth:
        fields["auth"] = AuthType(args.auth)
    elif "mode" in fields and base is not None:
        fields["auth"] = AuthType.OAUTH if mode is ConnectionMode.OFFICE365 else AuthType.AUTO
    _office365_fields(args, base, mode, fields)
    if args.username is not None:
        fields["username"] = args.username or None
    if args.ca_file is not None or args.pin_sha256 is not None:
        tls = base.tls if base else TlsTrust()
        ca_file = _absolute(args.ca_file, "--ca-file") if args.ca_file is not None else tls.ca_file
        if ca_file is not None and not ca_file.is_file():
            raise UsageError(f"--ca-file: {ca_file} is not a readable file")
        pin = args.pin_sha256 if args.pin_sha256 is not None else tls.pin_sha256
        fields["tls"] = TlsTrust(ca_file=ca_file, pin_sha256=pin or None)
    if args.connect_to is not None:
        fields["connect_to"] = tuple(args.connect_to)
    elif getattr(args, "clear_connect_to", False):
        fields["connect_to"] = ()
    if getattr(args, "no_password_command", False):
        if args.password_command is not None:
            raise UsageError("--no-password-command: cannot be used with --password-command")
        fields["password_command"] = None
    elif args.password_command is not None:
        argv = tuple(shlex.split(args.password_command))
        if not argv and base is None:
            raise UsageError("--password-command: the command is empty")
        fields["password_command"] = argv or None  # edit: an empty command removes it
    if args.sync_direction is not None:
        sync = base.sync if base else SyncSelection()
        fields["sync"] = replace(sync, sync_direction=SyncDirection(args.sync_direction))
    for flag_field in ("mail_dir", "calendar_dir"):
        value = getattr(args, flag_field)
        if value is not None:
            fields[flag_field] = _absolute(value, FIELD_FLAGS[flag_field])
    return fields


def _office365_fields(
    args: argparse.Namespace,
    base: Profile | None,
    mode: ConnectionMode | None,
    fields: dict[str, Any],
) -> None:
    """The Microsoft 365 settings the flags give (an empty value clears one when editing)."""
    given = {name: getattr(args, name) for name in _M365_FLAGS if getattr(args, name) is not None}
    if not given:
        return
    if mode is not ConnectionMode.OFFICE365:
        flag = _M365_FLAGS[next(iter(given))]
        raise UsageError(f"{flag}: only for Microsoft 365 profiles (add --office365)")
    current = base.office365 if base else Office365Settings()
    if "tenant" in given and not given["tenant"].strip():
        given["tenant"] = Office365Settings.tenant
    changes: dict[str, Any] = {name: (value.strip() or None) for name, value in given.items()}
    fields["office365"] = replace(current, **changes)
