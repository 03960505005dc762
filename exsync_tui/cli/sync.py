"""`exsync sync`: headless sync of one, several or all profiles, for cron and systemd timers.

Exit codes: 0 every profile synced; 1 a profile failed (its help topic is named);
2 bad usage; 3 a profile held back a mass delete (nothing was deleted); 4 a
Microsoft 365 profile needs a person to sign in (`exsync profiles signin NAME`),
nothing was waited for; 75 a profile is already being synced by another exsync
(try again later); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from exsync_tui.cli.profiles_common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    guarded,
    load,
    start_logging,
)
from exsync_tui.core.profiles import ConfigError, Profile
from exsync_tui.core.profiles.retention import purge_expired
from exsync_tui.core.secrets import SecretStore

if TYPE_CHECKING:
    from exsync_tui.core.sync.engine import SyncResult

EXIT_HELD = 3
EXIT_SIGN_IN = 4
EXIT_LOCKED = 75  # EX_TEMPFAIL: cron and systemd may simply try again later
EXIT_INTERRUPTED = 130


def register(subparsers: Any) -> None:
    """Add the `sync` subcommand."""
    parser = subparsers.add_parser(
        "sync",
        help="copy mail and calendars to disk (headless)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="profiles to sync")
    parser.add_argument("--all", action="store_true", help="every enabled profile")
    parser.add_argument("--json", action="store_true", help="one JSON object per event")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="say what would change here and be pushed to the server, write nothing",
    )
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--mail-only", action="store_true", help="skip calendars")
    only.add_argument("--calendar-only", action="store_true", help="skip mail")
    parser.add_argument(
        "--allow-mass-delete",
        action="store_true",
        help="delete even when most of a folder was deleted (on the server, or here)",
    )
    parser.add_argument("--debug", action="store_true", help="log network traffic (redacted)")
    parser.set_defaults(handler=guarded(run))


def _chosen(args: argparse.Namespace, profiles: dict[str, Profile]) -> list[Profile]:
    """The profiles to sync; UsageError (exit 2, nothing sent) for a wrong choice."""
    if args.all and args.names:
        raise UsageError("give profile names or --all, not both")
    if args.all:
        return [p for p in profiles.values() if p.enabled]
    if not args.names:
        raise UsageError("name the profiles to sync, or use --all (see `exsync profiles list`)")
    chosen = []
    for name in args.names:
        profile = profiles.get(name)
        if profile is None:
            raise UsageError(f"no profile named {name!r} (see `exsync profiles list`)")
        if not profile.enabled:
            raise UsageError(f"{name} is disabled; enable it with `exsync profiles enable {name}`")
        chosen.append(profile)
    return chosen


def _exit_code(results: dict[str, SyncResult]) -> int:
    from exsync_tui.core.diagnose.m365_topics import SIGN_IN_TOPICS

    # First: a cron job or timer must be able to tell "a person must sign in" apart.
    if any(r.topic in SIGN_IN_TOPICS for r in results.values()):
        return EXIT_SIGN_IN
    if any(not r.ok and not r.locked for r in results.values()):
        return EXIT_FAILED
    if any(r.locked for r in results.values()):
        return EXIT_LOCKED
    if any(r.held for r in results.values()):
        return EXIT_HELD
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Sync the chosen profiles concurrently; see the module docstring for exit codes."""
    # The engine and the store load here, not when any exsync command starts.
    from exsync_tui.cli.sync_output import JsonLines, TextLines
    from exsync_tui.core.sync.engine import SyncResult
    from exsync_tui.core.sync.jobs import prepare_job
    from exsync_tui.core.sync.runner import Job, SyncRun

    start_logging(args.debug)
    config = load()
    chosen = _chosen(args, config.profiles)
    # sys.stdout now, not the one bound as a default when sync_output was imported.
    output = JsonLines(sys.stdout) if args.json else TextLines(sys.stdout)
    for name, report in purge_expired(list(config.profiles.values()), datetime.now(UTC)).items():
        removed = ", ".join(str(path) for path in report.removed_paths) or "nothing"
        print(f"{name}: disabled past its retention: removed {removed}", file=sys.stderr)
    store = SecretStore()
    jobs: list[Job] = []
    results: dict[str, SyncResult] = {}
    overrides = {
        "dry_run": args.dry_run,
        "allow_mass_delete": args.allow_mass_delete,
        **({"calendar": False} if args.mail_only else {}),
        **({"mail": False} if args.calendar_only else {}),
    }
    for profile in chosen:
        prepared = prepare_job(
            profile, store, overrides, default_client_id=config.office365_client_id
        )
        if isinstance(prepared, SyncResult):
            results[profile.name] = prepared
        else:
            jobs.append(prepared)
    sync_run = SyncRun(jobs, output).start()
    interrupted = False
    try:
        results |= sync_run.wait()
    except KeyboardInterrupt:
        interrupted = True
        sync_run.stop()
        results |= sync_run.wait()
    if not args.dry_run:
        _remember(chosen, results)
    output.done(results)
    return EXIT_INTERRUPTED if interrupted else _exit_code(results)


def _remember(profiles: list[Profile], results: dict[str, SyncResult]) -> None:
    """Keep each outcome on its profile (the dashboard shows it); a failure to save warns."""
    from exsync_tui.core.sync.record import record_sync

    for profile in profiles:
        result = results.get(profile.name)
        if result is None:
            continue
        try:
            record_sync(profile, result)
        except (ConfigError, OSError) as error:
            print(f"warning: {profile.name}: the outcome was not saved: {error}", file=sys.stderr)
