"""`exsync profiles enable` and `disable`: stop or resume syncing a mailbox, keeping its data."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from exsync_tui.cli.profiles_common import EXIT_OK, find, load_for_change, say_saved
from exsync_tui.core.profiles import Profile, saving_into, update_profile
from exsync_tui.core.profiles.retention import retention_notice
from exsync_tui.core.secrets import SecretStore


def now_utc() -> datetime:
    """The current time as the config stores it (UTC, whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0)


def describe_state(profile: Profile, now: datetime) -> str:
    """What being enabled or disabled means for this profile now, in one sentence."""
    notice = retention_notice(profile, now)
    if notice is None:
        return f"{profile.name} is enabled: it is synced again"
    return (
        f"{profile.name} is {notice.text()} (retention_days = {profile.retention_days}); "
        f"its password stays until `exsync profiles remove {profile.name}`"
    )


def set_enabled(args: argparse.Namespace) -> int:
    """`profiles enable|disable NAME`: change only the enabled state (no keyring access)."""
    config = load_for_change()
    old = find(config, args.name)
    now = now_utc()
    profile = old.reenabled() if args.enable else old.disabled(now)
    if profile == old:
        print(describe_state(profile, now))
        return EXIT_OK
    result = update_profile(old.name, profile, None, SecretStore(), saving_into(config))
    say_saved(result.path, result.backup_path, sys.stdout)
    print(describe_state(profile, now))
    return EXIT_OK
