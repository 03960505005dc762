"""The ``exsync`` command line: the TUI by default, plus headless subcommands.

Each subcommand lives in its own module with a ``register(subparsers)`` function
that adds its parser and sets ``handler`` to a function taking the parsed
arguments and returning the exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from exsync_tui import __version__
from exsync_tui.cli import demo, diagnose, profiles, sandbox, send, sync

SUBCOMMAND_MODULES = (profiles, sync, send, diagnose, sandbox, demo)


def build_parser() -> argparse.ArgumentParser:
    """The whole argument parser, subcommands included."""
    parser = argparse.ArgumentParser(
        prog="exsync",
        description=(
            "Keep a local Maildir and calendar copy of Microsoft Exchange mailboxes. "
            "Without a subcommand, opens the terminal UI."
        ),
    )
    parser.add_argument("--version", action="version", version=f"exsync {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in SUBCOMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``exsync`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        from exsync_tui.ui.app import run_tui

        return run_tui()
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
