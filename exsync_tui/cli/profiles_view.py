"""`exsync profiles list` and `show`: what is configured, never a secret."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from exsync_tui.cli.profiles_common import EXIT_OK, find, load
from exsync_tui.core.profiles import (
    ConnectionMode,
    PasswordSource,
    Profile,
    json_ready,
    password_source,
    profile_summary,
    profile_to_data,
)
from exsync_tui.core.secrets import KeyringUnavailable, SecretStore


def list_profiles(args: argparse.Namespace) -> int:
    """`profiles list`: one line (or a JSON row) per profile."""
    config = load()
    now = datetime.now(UTC)
    rows = [profile_summary(profile, now) for profile in config.profiles.values()]
    if args.json:
        print(json.dumps({"config": str(config.path), "profiles": rows}, indent=2))
        return EXIT_OK
    if not rows:
        print(f"no profiles yet in {config.path}; add one with: exsync profiles add NAME --email E")
        return EXIT_OK
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        state = row["retention"] or "enabled"
        where = row["server"] or row["mode"]
        print(f"{row['name']:<{width}}  {row['email']}  {where}  {state}")
    return EXIT_OK


def _password_status(profile: Profile) -> dict[str, Any]:
    """Where the password comes from and whether one is stored (never the password)."""
    source = password_source(profile)
    if source is not PasswordSource.KEYRING:
        return {"source": source.value, "stored": None, "where": None}
    store = SecretStore()
    try:
        return {"source": "keyring", "stored": store.has_password(profile.id),
                "where": store.describe()}  # fmt: skip
    except KeyringUnavailable as error:
        return {"source": "keyring", "stored": None, "where": None, "error": error.reason}


def _sign_in_status(profile: Profile) -> dict[str, Any]:
    """A Microsoft 365 profile's sign-in health, read from the keyring (nothing is sent)."""
    from exsync_tui.core.m365 import token_health

    try:
        return dict(token_health(profile, SecretStore()).to_dict())
    except KeyringUnavailable as error:
        return {"state": None, "error": error.reason}


def show(args: argparse.Namespace) -> int:
    """`profiles show`: every setting, the paths in use and where the password comes from."""
    config = load()
    profile = find(config, args.name)
    details: dict[str, Any] = {"name": profile.name} | profile_to_data(profile)
    details["paths"] = {
        "mail": str(profile.effective_mail_dir()),
        "calendars": str(profile.effective_calendar_dir()),
        "state": str(profile.state_dir()),
        "config": str(config.path),
    }
    details["password"] = _password_status(profile)
    if profile.mode is ConnectionMode.OFFICE365:
        details["sign_in"] = _sign_in_status(profile)
    if args.json:
        print(json.dumps(json_ready(details), indent=2))
        return EXIT_OK
    _print_tree(json_ready(details), "")
    return EXIT_OK


def _print_tree(data: dict[str, Any], indent: str) -> None:
    """Nested settings as indented ``key: value`` lines."""
    for key, value in data.items():
        if isinstance(value, dict):
            print(f"{indent}{key}:")
            _print_tree(value, indent + "  ")
        elif isinstance(value, list):
            print(f"{indent}{key}: {', '.join(str(item) for item in value)}")
        else:
            print(f"{indent}{key}: {'-' if value is None else value}")
