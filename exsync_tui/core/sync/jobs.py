"""Turning a profile into a sync job: its password and options, or the reason it cannot run.

Shared by ``exsync sync`` and the TUI, so both refuse a missing password the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from exsync_tui.core.profiles import Profile, resolve_password
from exsync_tui.core.secrets import KeyringUnavailable, PasswordCommandError, SecretStore
from exsync_tui.core.sync.engine import SyncResult, options_for
from exsync_tui.core.sync.runner import Job


def prepare_job(
    profile: Profile,
    store: SecretStore,
    overrides: Mapping[str, object] | None = None,
    *,
    cancel: threading.Event | None = None,
) -> Job | SyncResult:
    """A job for ``profile``, or a failed result (topic ``keyring-unavailable``) naming why not."""
    try:
        secret = resolve_password(profile, store, cancel=cancel)
    except (KeyringUnavailable, PasswordCommandError) as error:
        return SyncResult(profile.name, False, topic="keyring-unavailable", detail=str(error))
    if secret is None:
        detail = f"no password stored: `exsync profiles edit {profile.name} --password-prompt`"
        return SyncResult(profile.name, False, topic="keyring-unavailable", detail=detail)
    return Job(profile, secret.reveal(), options_for(profile, **(overrides or {})))
