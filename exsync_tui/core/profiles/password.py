"""Which password exsync signs in with for a profile: decided here, for every caller.

Order, first that applies:

1. Microsoft 365 profiles sign in with OAuth: no password (None).
2. A session password, given to this process's :class:`SecretStore` with
   ``set_session_password``: the user typed it for this run, which is newer
   than anything in the config or the keyring.
3. The profile's ``password_command``: it is in the config because the user
   chose a password manager; a password left in the keyring from before (or
   stored later by mistake) must not silently win over that choice. The
   keyring is then not even read, so a locked keyring never prompts for a
   password exsync would not use.
4. The keyring's password, or None when none is stored.

A password typed or piped in for one command (``--password-stdin``, the
connect form) is passed by the caller directly and never reaches this function.
"""

from __future__ import annotations

import threading
from enum import StrEnum
from pathlib import Path

from exsync_tui.core.profiles.model import ConnectionMode, Profile
from exsync_tui.core.secrets import Secret, SecretStore, run_password_command


class PasswordSource(StrEnum):
    """Where a profile's saved sign-in secret comes from (as ``exsync profiles show`` says)."""

    OAUTH = "oauth"
    COMMAND = "password_command"
    KEYRING = "keyring"


def password_source(profile: Profile) -> PasswordSource:
    """Where ``profile``'s saved password comes from; the order :func:`resolve_password` follows."""
    if profile.mode is ConnectionMode.OFFICE365:
        return PasswordSource.OAUTH
    if profile.password_command:
        return PasswordSource.COMMAND
    return PasswordSource.KEYRING


def resolve_password(
    profile: Profile,
    store: SecretStore,
    *,
    cancel: threading.Event | None = None,
    config_path: Path | None = None,
) -> Secret | None:
    """The password to sign in with for ``profile`` (see the module for the order).

    ``config_path`` is the config file whose permissions are checked before the
    command runs (default: the one exsync uses); ``cancel`` stops a running command.
    Raises KeyringUnavailable or PasswordCommandError.
    """
    if password_source(profile) is PasswordSource.OAUTH:
        return None
    session = store.session_password(profile.id)
    if session is not None:
        return session
    if profile.password_command:
        if config_path is None:
            from exsync_tui.core.paths import config_file

            config_path = config_file()
        return run_password_command(
            profile.password_command, config_path=config_path, cancel=cancel
        )
    return store.get_password(profile.id)
