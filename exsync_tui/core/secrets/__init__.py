"""Secrets: passwords and OAuth token caches in a secure keyring, and ``password_command``.

Secrets are keyed by profile id under the keyring service ``exsync``; they never
appear in the config, logs, reprs, exceptions or output.
"""

from __future__ import annotations

from exsync_tui.core.secrets.command import (
    DEFAULT_COMMAND_TIMEOUT_S,
    check_config_not_writable_by_others,
    run_password_command,
)
from exsync_tui.core.secrets.errors import (
    KEYRING_FIXES,
    KeyringUnavailable,
    PasswordCommandError,
    SecretsError,
)
from exsync_tui.core.secrets.secret import Secret
from exsync_tui.core.secrets.store import (
    DEFAULT_TIMEOUT_S,
    SERVICE,
    SecretStore,
    password_key,
    token_cache_key,
)

__all__ = [
    "DEFAULT_COMMAND_TIMEOUT_S",
    "DEFAULT_TIMEOUT_S",
    "KEYRING_FIXES",
    "SERVICE",
    "KeyringUnavailable",
    "PasswordCommandError",
    "Secret",
    "SecretStore",
    "SecretsError",
    "check_config_not_writable_by_others",
    "password_key",
    "run_password_command",
    "token_cache_key",
]
