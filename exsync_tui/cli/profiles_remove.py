"""`exsync profiles remove`: drop a profile, and with --purge its data and secrets."""

from __future__ import annotations

import argparse
import sys

from exsync_tui.cli.profiles_common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    find,
    load_for_change,
    say_saved,
)
from exsync_tui.core.profiles import (
    UnsentMail,
    data_paths,
    remove_profile,
    saving_into,
    unsent_mail,
)
from exsync_tui.core.secrets import SecretStore


def _confirm(question: str) -> bool:
    """A yes/no question on the terminal; no answer means no."""
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def remove(args: argparse.Namespace) -> int:
    """`profiles remove`: asks first on a terminal; --purge needs --yes elsewhere."""
    config = load_for_change()
    profile = find(config, args.name)
    existing = [path for path in data_paths(profile) if path.exists()]
    if args.purge and not args.drop_unsent and (unsent := unsent_mail(profile)):
        why = UnsentMail(profile.name, unsent)
        print(f"nothing removed: {why}; or add --drop-unsent to delete them too", file=sys.stderr)
        return EXIT_FAILED
    if not args.yes:
        if not sys.stdin.isatty():
            if args.purge:
                raise UsageError("--purge deletes data: confirm with --yes when not on a terminal")
        else:
            what = "and delete its mail, calendars, state and secrets" if args.purge else ""
            if not _confirm(f"Remove profile {profile.name} {what}".strip() + "?"):
                print("nothing removed")
                return EXIT_FAILED
    store = SecretStore() if args.purge else None
    removal = remove_profile(
        profile, saving_into(config), purge_with=store, drop_unsent=args.drop_unsent
    )
    result, report = removal.saved, removal.purged
    say_saved(result.path, result.backup_path, sys.stdout)
    print(f"removed profile {profile.name} from {result.path}")
    if store is None or report is None:
        for path in existing:
            print(f"kept {path}")
        print("kept its keyring secrets (use --purge to delete them too)")
        return EXIT_OK
    where = store.describe()
    for path in report.removed_paths:
        print(f"deleted {path}")
    for secret in report.removed_secrets:
        print(f"deleted the {secret} from {where}")
    for path, reason in report.failed.items():
        print(f"could not delete {path}: {reason}", file=sys.stderr)
    return EXIT_FAILED if report.failed else EXIT_OK
