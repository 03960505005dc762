"""`exsync profiles add` and `edit`: build the profile from flags, store its password, save."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import TextIO

from exsync_tui.cli.password_prompt import NOT_A_TERMINAL, can_prompt, prompt_password
from exsync_tui.cli.profiles_common import (
    EXIT_OK,
    UsageError,
    find,
    load_for_change,
    say_saved,
)
from exsync_tui.cli.profiles_flags import connection_fields
from exsync_tui.cli.profiles_state import describe_state, now_utc
from exsync_tui.core.profiles import (
    ConnectionMode,
    Profile,
    add_profile,
    new_profile,
    saving_into,
    update_profile,
    validate_profile,
)
from exsync_tui.core.secrets import Secret, SecretStore


def verify_new_profile(
    profile: Profile, password: Secret | None, out: TextIO, *, budget_s: float
) -> int:
    """Check that a just-saved profile can connect within ``budget_s`` seconds; returns the
    exit code for `add`.

    Prints the steps to ``out``; on success saves what was learned (EWS URL, server
    version, auth type) in the profile, on failure prints the help topic and takes
    the profile and its password back out.
    """
    from exsync_tui.cli.connect_output import verify_profile_connection

    return verify_profile_connection(profile, password, out, budget_s=budget_s)


def _check_client_id(profile: Profile, default_client_id: str | None) -> None:
    """Refuse, before saving, a Microsoft 365 profile that could not sign in (no client id)."""
    from exsync_tui.core.m365.settings import missing_client_id

    if not (profile.office365.client_id or default_client_id):
        raise UsageError(f"--client-id: {missing_client_id(profile.name).detail}")


def sign_in_new_profile(profile: Profile, default_client_id: str | None, out: TextIO) -> int:
    """Sign a just-saved Microsoft 365 profile in; a failed sign-in takes the profile back."""
    from exsync_tui.cli.connect_output import forget_profile
    from exsync_tui.cli.m365_signin import terminal_sign_in

    code = terminal_sign_in(profile, default_client_id, out)
    if code != EXIT_OK:
        forget_profile(profile, out)
    return code


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


def _check_password_fits(profile: Profile, password: Secret | None) -> None:
    """Refuse a password for a profile that signs in with OAuth."""
    if password is not None and profile.mode is ConnectionMode.OFFICE365:
        raise UsageError(
            "--password-stdin: Microsoft 365 profiles sign in with OAuth, not a password"
        )


def add(args: argparse.Namespace) -> int:
    """`profiles add`: save a new profile and its password, then verify it can connect."""
    config = load_for_change()
    fields = connection_fields(args, None)
    profile = new_profile(args.name, args.email, **fields)
    config.check_can_add(profile)  # a clash is reported before a password is asked for
    if profile.mode is ConnectionMode.OFFICE365 and not args.no_verify_connect:
        _check_client_id(profile, config.office365_client_id)
    password = _read_password(args, profile)
    _check_password_fits(profile, password)
    store = SecretStore()
    result = add_profile(profile, password, store, saving_into(config))
    say_saved(result.path, result.backup_path, sys.stdout)
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
    if profile.mode is ConnectionMode.OFFICE365:
        return sign_in_new_profile(profile, config.office365_client_id, sys.stdout)
    return verify_new_profile(profile, password, sys.stdout, budget_s=args.time_limit)


def edit(args: argparse.Namespace) -> int:
    """`profiles edit`: change only what the flags given say."""
    config = load_for_change()
    old = find(config, args.name)
    fields = connection_fields(args, old)
    if args.email is not None:
        fields["email"] = args.email
    if args.rename:
        fields["name"] = args.rename
    if args.disable:
        old = old.disabled(now_utc())
    elif args.enable:
        old = old.reenabled()
    profile = validate_profile(replace(old, **fields))
    password = _read_password(args, profile)
    _check_password_fits(profile, password)
    config.check_can_update(old.name, profile)  # before the keyring is touched
    store = SecretStore()
    result = update_profile(old.name, profile, password, store, saving_into(config))
    say_saved(result.path, result.backup_path, sys.stdout)
    print(f"updated profile {profile.name} in {result.path}")
    if args.enable or args.disable:
        print(describe_state(profile, now_utc()))
    if password is not None:
        print(f"password stored in {store.describe()}")
        if profile.password_command:
            # Kept, not cleared: the command is a setting the user chose; say which one wins.
            print(
                f"note: {profile.name} has a password command, which exsync uses instead of the "
                f"stored password; use the stored one with "
                f"`exsync profiles edit {profile.name} --no-password-command`"
            )
    elif old.password_command and not profile.password_command:
        print("password command removed: the keyring's password is used (if none is stored, "
              f"add one with `exsync profiles edit {profile.name} --password-prompt`)")  # fmt: skip
    return EXIT_OK
