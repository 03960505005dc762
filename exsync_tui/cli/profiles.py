"""`exsync profiles`: list, add, show, edit and remove mailbox profiles.

Exit codes: 0 done, 1 could not be done (keyring unavailable, read-only config,
connection not verified), 2 bad usage or invalid input (nothing is written).
Secrets never reach the output: only whether a password is stored, and where.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from exsync_tui.cli.password_prompt import NOT_A_TERMINAL, can_prompt, prompt_password
from exsync_tui.core.profiles import (
    AuthType,
    Config,
    ConfigError,
    ConnectionMode,
    Profile,
    TlsTrust,
    add_profile,
    data_paths,
    json_ready,
    load_config,
    new_profile,
    profile_summary,
    profile_to_data,
    remove_profile,
    saving_into,
    update_profile,
    validate_profile,
)
from exsync_tui.core.secrets import KeyringUnavailable, Secret, SecretStore

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
}


class UsageError(Exception):
    """Bad input from the command line: printed as ``error: ...``, exit code 2."""


def verify_new_profile(profile: Profile, password: Secret | None, out: TextIO) -> int:
    """Check that a just-saved profile can connect; returns the exit code for `add`.

    Prints the steps to ``out``; on success saves what was learned (EWS URL, server
    version, auth type) in the profile, on failure prints the help topic and takes
    the profile and its password back out.
    """
    from exsync_tui.cli.connect_output import verify_profile_connection

    return verify_profile_connection(profile, password, out)


def _add_profile_flags(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    parser.add_argument("name", metavar="NAME", help="profile name, e.g. work")
    parser.add_argument("--email", required=not editing, help="the mailbox's email address")
    parser.add_argument("--username", help="sign-in name: user@domain.com or DOMAIN\\user")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--server", help="Exchange server host name (skips autodiscover)")
    where.add_argument("--ews-url", help="full https EWS URL (skips autodiscover)")
    where.add_argument("--office365", action="store_true", help="Microsoft 365 (OAuth sign-in)")
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
        "--no-verify-connect", action="store_true", help="save without trying to connect"
    )


def register(subparsers: Any) -> None:
    """Add the `profiles` subcommand and its actions."""
    parser = subparsers.add_parser("profiles", help="list, add, show, edit or remove mailboxes")
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    parser.set_defaults(handler=lambda _args: _fail_usage(parser))

    listing = actions.add_parser("list", help="list the profiles")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=_guarded(_list))

    add = actions.add_parser("add", help="add a mailbox profile")
    _add_profile_flags(add, editing=False)
    add.set_defaults(handler=_guarded(_add))

    edit = actions.add_parser("edit", help="change a profile (only the flags given)")
    _add_profile_flags(edit, editing=True)
    edit.add_argument("--rename", metavar="NEW", help="new profile name (secrets are kept)")
    state = edit.add_mutually_exclusive_group()
    state.add_argument("--enable", action="store_true", help="sync this profile again")
    state.add_argument("--disable", action="store_true", help="stop syncing, keep the data")
    edit.set_defaults(handler=_guarded(_edit))

    show = actions.add_parser("show", help="show one profile (never its secrets)")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=_guarded(_show))

    remove = actions.add_parser("remove", help="remove a profile")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument(
        "--purge", action="store_true", help="also delete its mail, calendars, state and secrets"
    )
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    remove.set_defaults(handler=_guarded(_remove))


def _fail_usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _guarded(action: Any) -> Any:
    """Turn the expected failures into one clear line on stderr and an exit code."""

    def run(args: argparse.Namespace) -> int:
        try:
            return int(action(args))
        except UsageError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_USAGE
        except ConfigError as error:
            print(f"error: {_flag_message(error)}", file=sys.stderr)
            return EXIT_USAGE
        except KeyringUnavailable as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_FAILED

    return run


def _flag_message(error: ConfigError) -> str:
    """Name the command-line flag when a profile field built from one is wrong."""
    if error.path is None and error.key and error.key.startswith("profiles."):
        flag = FIELD_FLAGS.get(error.field or "")
        if error.key.count(".") == 1:
            flag = "NAME"
        if flag:
            hint = f" (hint: {error.hint})" if error.hint else ""
            return f"{flag}: {error.message}{hint}"
    return str(error)


def _load() -> Config:
    config = load_config()
    for warning in config.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return config


def _load_for_change() -> Config:
    config = _load()
    if config.read_only:
        raise ConfigError(f"cannot change profiles: {config.read_only_reason}")
    return config


def _find(config: Config, name: str) -> Profile:
    profile = config.get(name)
    if profile is None:
        known = ", ".join(config.profiles) or "none yet"
        raise UsageError(f"no profile named {name!r} (profiles: {known})")
    return profile


def _absolute(value: str | None, flag: str) -> Path | None:
    if value is None:
        return None
    if not value.strip():
        raise UsageError(f"{flag}: the path is empty")
    return Path(value).expanduser().absolute()


def _read_password(args: argparse.Namespace, profile: Profile) -> Secret | None:
    """The password the user gives: from stdin's first line, or typed at a hidden prompt.

    `add` asks on a terminal unless a password command or Microsoft 365 makes a
    password pointless; `edit` asks only with --password-prompt, so editing other
    settings never stops for a password.
    """
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError("--password-stdin: stdin held no password")
        return Secret(line)
    editing = hasattr(args, "password_prompt")
    if editing and not args.password_prompt:
        return None
    if profile.mode is ConnectionMode.OFFICE365:
        if editing:
            raise UsageError("--password-prompt: Microsoft 365 profiles sign in with OAuth")
        return None
    if args.password_command is not None:
        return None
    if not can_prompt():
        if editing:
            raise UsageError(f"--password-prompt: {NOT_A_TERMINAL}; use --password-stdin")
        return None
    try:
        password = prompt_password(profile.sign_in_name)
    except EOFError:
        raise UsageError("no password typed (end of input); nothing was saved") from None
    if password is None and editing:
        raise UsageError("--password-prompt: no password typed; nothing was changed")
    return password


def _connection_fields(args: argparse.Namespace, base: Profile | None) -> dict[str, Any]:
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
    for flag_field in ("mail_dir", "calendar_dir"):
        value = getattr(args, flag_field)
        if value is not None:
            fields[flag_field] = _absolute(value, FIELD_FLAGS[flag_field])
    return fields


def _check_password_fits(profile: Profile, password: Secret | None) -> None:
    if password is not None and profile.mode is ConnectionMode.OFFICE365:
        raise UsageError(
            "--password-stdin: Microsoft 365 profiles sign in with OAuth, not a password"
        )


def _say_saved(config_path: Path, backup: Path | None, out: TextIO) -> None:
    if backup is not None:
        print(
            f"note: {config_path} had comments, which exsync cannot keep; "
            f"the original is saved as {backup}",
            file=out,
        )


def _add(args: argparse.Namespace) -> int:
    config = _load_for_change()
    fields = _connection_fields(args, None)
    profile = new_profile(args.name, args.email, **fields)
    config.check_can_add(profile)  # a clash is reported before a password is asked for
    password = _read_password(args, profile)
    _check_password_fits(profile, password)
    store = SecretStore()
    result = add_profile(profile, password, store, saving_into(config))
    _say_saved(result.path, result.backup_path, sys.stdout)
    print(f"added profile {profile.name} ({profile.email}) to {result.path}")
    if password is not None:
        print(f"password stored in {store.describe()}")
    elif not profile.password_command and profile.mode is not ConnectionMode.OFFICE365:
        later = "--password-prompt" if can_prompt() else "--password-stdin"
        why = "" if can_prompt() else f" ({NOT_A_TERMINAL}; pass it with --password-stdin)"
        edit = f"exsync profiles edit {profile.name} {later}"
        print(f"no password stored{why}: add one with `{edit}`")
    if args.no_verify_connect:
        return EXIT_OK
    return verify_new_profile(profile, password, sys.stdout)


def _edit(args: argparse.Namespace) -> int:
    config = _load_for_change()
    old = _find(config, args.name)
    fields = _connection_fields(args, old)
    if args.email is not None:
        fields["email"] = args.email
    if args.rename:
        fields["name"] = args.rename
    if args.disable:
        old = old.disabled(datetime.now(UTC).replace(microsecond=0))
    elif args.enable:
        old = old.reenabled()
    profile = validate_profile(replace(old, **fields))
    password = _read_password(args, profile)
    _check_password_fits(profile, password)
    config.check_can_update(old.name, profile)  # before the keyring is touched
    store = SecretStore()
    result = update_profile(old.name, profile, password, store, saving_into(config))
    _say_saved(result.path, result.backup_path, sys.stdout)
    print(f"updated profile {profile.name} in {result.path}")
    if password is not None:
        print(f"password stored in {store.describe()}")
    elif old.password_command and not profile.password_command:
        print("password command removed: the keyring's password is used (if none is stored, "
              f"add one with `exsync profiles edit {profile.name} --password-prompt`)")  # fmt: skip
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    config = _load()
    rows = [profile_summary(profile) for profile in config.profiles.values()]
    if args.json:
        print(json.dumps({"config": str(config.path), "profiles": rows}, indent=2))
        return EXIT_OK
    if not rows:
        print(f"no profiles yet in {config.path}; add one with: exsync profiles add NAME --email E")
        return EXIT_OK
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        state = "enabled" if row["enabled"] else "disabled"
        where = row["server"] or row["mode"]
        print(f"{row['name']:<{width}}  {row['email']}  {where}  {state}")
    return EXIT_OK


def _password_status(profile: Profile) -> dict[str, Any]:
    if profile.mode is ConnectionMode.OFFICE365:
        return {"source": "oauth", "stored": None, "where": None}
    if profile.password_command:
        return {"source": "password_command", "stored": None, "where": None}
    store = SecretStore()
    try:
        return {"source": "keyring", "stored": store.has_password(profile.id),
                "where": store.describe()}  # fmt: skip
    except KeyringUnavailable as error:
        return {"source": "keyring", "stored": None, "where": None, "error": error.reason}


def _show(args: argparse.Namespace) -> int:
    config = _load()
    profile = _find(config, args.name)
    details: dict[str, Any] = {"name": profile.name} | profile_to_data(profile)
    details["paths"] = {
        "mail": str(profile.effective_mail_dir()),
        "calendars": str(profile.effective_calendar_dir()),
        "state": str(profile.state_dir()),
        "config": str(config.path),
    }
    details["password"] = _password_status(profile)
    if args.json:
        print(json.dumps(json_ready(details), indent=2))
        return EXIT_OK
    _print_tree(json_ready(details), "")
    return EXIT_OK


def _print_tree(data: dict[str, Any], indent: str) -> None:
    for key, value in data.items():
        if isinstance(value, dict):
            print(f"{indent}{key}:")
            _print_tree(value, indent + "  ")
        elif isinstance(value, list):
            print(f"{indent}{key}: {', '.join(str(item) for item in value)}")
        else:
            print(f"{indent}{key}: {'-' if value is None else value}")


def _confirm(question: str) -> bool:
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _remove(args: argparse.Namespace) -> int:
    config = _load_for_change()
    profile = _find(config, args.name)
    existing = [path for path in data_paths(profile) if path.exists()]
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
    removal = remove_profile(profile, saving_into(config), purge_with=store)
    result, report = removal.saved, removal.purged
    _say_saved(result.path, result.backup_path, sys.stdout)
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
