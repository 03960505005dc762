"""What can go wrong with secrets, in words a user can act on.

Messages never hold a secret: they name the backend, the program or the file.
"""

from __future__ import annotations


class SecretsError(Exception):
    """Base of the secrets errors; ``help_topic`` is the id of the matching help topic."""

    help_topic = "secrets"


KEYRING_FIXES = (
    "start a Secret Service for this shell: "
    "dbus-run-session -- sh -c 'echo YOUR-KEYRING-PASSWORD | "
    "gnome-keyring-daemon --unlock --components=secrets; exsync ...'",
    "let a password manager give it: --password-command with `exsync profiles add` or "
    '`edit` (password_command in the config), e.g. --password-command "pass show work/exchange"',
    "or give the password each time, for that run only (it is not stored): exsync diagnose "
    "asks for it on a terminal, or reads it with --password-stdin",
)


class KeyringUnavailable(SecretsError):
    """No secure keyring can be used right now (none installed, no D-Bus, locked, or hung).

    ``reason`` says what was found; ``fixes`` lists what the user can do.
    """

    help_topic = "keyring-unavailable"

    def __init__(self, reason: str, fixes: tuple[str, ...] = KEYRING_FIXES) -> None:
        self.reason = reason
        self.fixes = fixes
        numbered = "; ".join(f"({i}) {fix}" for i, fix in enumerate(fixes, 1))
        super().__init__(f"no secure keyring is available: {reason}. To fix: {numbered}")


class PasswordCommandError(SecretsError):
    """The profile's ``password_command`` was refused, failed, or printed no password."""

    help_topic = "password-command-failed"
