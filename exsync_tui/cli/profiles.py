"""`exsync profiles`: list, add, show, edit, enable, disable and remove mailbox profiles.

Exit codes: 0 done, 1 could not be done (keyring unavailable, read-only config,
connection not verified), 2 bad usage or invalid input (nothing is written).
Secrets never reach the output: only whether a password is stored, and where.
This module builds the parser; each action lives in a ``profiles_*`` module by job.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from exsync_tui.cli import (
    m365_signin,
    profiles_change,
    profiles_remove,
    profiles_state,
    profiles_view,
)
from exsync_tui.cli.connect_output import add_time_limit_flag
from exsync_tui.cli.profiles_common import EXIT_USAGE, guarded
from exsync_tui.cli.profiles_flags import add_profile_flags
from exsync_tui.core.connect.session import DEFAULT_BUDGET_S


def register(subparsers: Any) -> None:
    """Add the `profiles` subcommand and its actions."""
    parser = subparsers.add_parser("profiles", help="list, add, show, edit or remove mailboxes")
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    parser.set_defaults(handler=lambda _args: _fail_usage(parser))

    listing = actions.add_parser("list", help="list the profiles")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=guarded(profiles_view.list_profiles))

    add = actions.add_parser("add", help="add a mailbox profile")
    add_profile_flags(add, editing=False)
    add_time_limit_flag(add, DEFAULT_BUDGET_S)
    add.set_defaults(handler=guarded(profiles_change.add))

    edit = actions.add_parser("edit", help="change a profile (only the flags given)")
    add_profile_flags(edit, editing=True)
    edit.add_argument("--rename", metavar="NEW", help="new profile name (secrets are kept)")
    state = edit.add_mutually_exclusive_group()
    state.add_argument("--enable", action="store_true", help="sync this profile again")
    state.add_argument("--disable", action="store_true", help="stop syncing, keep the data")
    edit.set_defaults(handler=guarded(profiles_change.edit))

    for action, enable, text in (
        ("enable", True, "sync this mailbox again"),
        ("disable", False, "stop syncing this mailbox; its data is kept for retention_days"),
    ):
        toggle = actions.add_parser(action, help=text)
        toggle.add_argument("name", metavar="NAME")
        toggle.set_defaults(handler=guarded(profiles_state.set_enabled), enable=enable)

    signin = actions.add_parser("signin", help="sign a Microsoft 365 profile in (again)")
    signin.add_argument("name", metavar="NAME")
    signin.add_argument(
        "--browser",
        action="store_true",
        help="sign in in a browser (authorization code) where device-code sign-in is blocked",
    )
    signin.add_argument(
        "--port", type=int, default=0, help="loopback port for --browser (default: any free)"
    )
    signin.set_defaults(handler=guarded(m365_signin.signin))

    show = actions.add_parser("show", help="show one profile (never its secrets)")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=guarded(profiles_view.show))

    remove = actions.add_parser("remove", help="remove a profile")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument(
        "--purge", action="store_true", help="also delete its mail, calendars, state and secrets"
    )
    remove.add_argument(
        "--drop-unsent",
        action="store_true",
        help="with --purge: also delete mail still waiting in its send queue",
    )
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    remove.set_defaults(handler=guarded(profiles_remove.remove))


def _fail_usage(parser: argparse.ArgumentParser) -> int:
    print(
        "error: `exsync profiles` needs an action, e.g. `exsync profiles list` (all below)\n",
        file=sys.stderr,
    )
    parser.print_help(sys.stderr)
    return EXIT_USAGE
