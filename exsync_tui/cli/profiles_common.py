"""What every `exsync profiles` action shares: exit codes, usage errors, loading the config."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from exsync_tui.core.profiles import Config, ConfigError, Profile, load_config
from exsync_tui.core.secrets import KeyringUnavailable

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# Which flag sets which profile field, to name the flag in validation errors.
FIELD_FLAGS = {
    "email": "--email",
    "username": "--username",
    "server": "--server",
    "ews_url": "--ews-url",
    "auth": "--auth",
    "mode": "--office365",
    "ca_file": "--ca-file",
    "pin_sha256": "--pin-sha256",
    "connect_to": "--connect-to",
    "password_command": "--password-command",
    "mail_dir": "--mail-dir",
    "calendar_dir": "--calendar-dir",
    "tenant": "--tenant",
    "client_id": "--client-id",
    "authority": "--authority",
    "graph_url": "--graph-url",
}


def start_logging(debug: bool) -> Path:
    """Open the redacted log file; with ``--debug`` say on stderr where it is."""
    from exsync_tui.core.logging_setup import setup_logging

    log_file = setup_logging(debug_network=debug)
    if debug:
        print(f"debug: network details (redacted) are logged to {log_file}", file=sys.stderr)
    return log_file


class UsageError(Exception):
    """Bad input from the command line: printed as ``error: ...``, exit code 2."""


def guarded(action: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the expected failures into one clear line on stderr and an exit code."""

    def run(args: argparse.Namespace) -> int:
        try:
            return int(action(args))
        except UsageError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_USAGE
        except ConfigError as error:
            print(f"error: {flag_message(error)}", file=sys.stderr)
            return EXIT_USAGE
        except KeyringUnavailable as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_FAILED

    return run


def flag_message(error: ConfigError) -> str:
    """Name the command-line flag when a profile field built from one is wrong."""
    if error.path is None and error.key and error.key.startswith("profiles."):
        flag = FIELD_FLAGS.get(error.field or "")
        if error.key.count(".") == 1:
            flag = "NAME"
        if flag:
            hint = f" (hint: {error.hint})" if error.hint else ""
            return f"{flag}: {error.message}{hint}"
    return str(error)


def load() -> Config:
    """The config, its warnings printed on stderr."""
    config = load_config()
    for warning in config.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return config


def load_for_change() -> Config:
    """The config, refused (ConfigError) when exsync may not write it."""
    config = load()
    if config.read_only:
        raise ConfigError(f"cannot change profiles: {config.read_only_reason}")
    return config


def find(config: Config, name: str) -> Profile:
    """The profile called ``name``, or a UsageError naming the profiles there are."""
    profile = config.get(name)
    if profile is None:
        known = ", ".join(config.profiles) or "none yet"
        raise UsageError(f"no profile named {name!r} (profiles: {known})")
    return profile


def say_saved(config_path: Path, backup: Path | None, out: TextIO) -> None:
    """Tell the user where the original went when saving dropped the config's comments."""
    if backup is not None:
        print(
            f"note: {config_path} had comments, which exsync cannot keep; "
            f"the original is saved as {backup}",
            file=out,
        )
