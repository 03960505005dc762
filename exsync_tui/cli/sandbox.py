"""`exsync sandbox`: not built yet."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    """Add the `sandbox` subcommand."""
    parser = subparsers.add_parser("sandbox", help="(not built yet)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    print("exsync sandbox: not built yet", file=sys.stderr)
    return 2
