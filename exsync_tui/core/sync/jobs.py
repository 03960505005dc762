"""Turning a profile into a sync job: its password and options, or the reason it cannot run.

Shared by ``exsync sync`` and the TUI, so both refuse a missing password the same way.
A Microsoft 365 profile gets a Graph access token instead of a password, refreshed
silently; when that needs a person, the job is not started and the result names a
sign-in topic (``exsync sync`` then exits with its own code).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.profiles import ConnectionMode, Profile, resolve_password
from exsync_tui.core.secrets import KeyringUnavailable, PasswordCommandError, SecretStore
from exsync_tui.core.sync.engine import SyncResult, options_for
from exsync_tui.core.sync.runner import Job


def prepare_job(
    profile: Profile,
    store: SecretStore,
    overrides: Mapping[str, object] | None = None,
    *,
    cancel: threading.Event | None = None,
    default_client_id: str | None = None,
) -> Job | SyncResult:
    """A job for ``profile``, or a failed result (topic ``keyring-unavailable``, or a
    Microsoft 365 sign-in topic) naming why not."""
    if profile.mode is ConnectionMode.OFFICE365:
        return _m365_job(profile, store, overrides, cancel, default_client_id)
    try:
        secret = resolve_password(profile, store, cancel=cancel)
    except (KeyringUnavailable, PasswordCommandError) as error:
        return SyncResult(profile.name, False, topic="keyring-unavailable", detail=str(error))
    if secret is None:
        detail = f"no password stored: `exsync profiles edit {profile.name} --password-prompt`"
        return SyncResult(profile.name, False, topic="keyring-unavailable", detail=detail)
    return Job(profile, secret.reveal(), options_for(profile, **(overrides or {})))


def _m365_job(
    profile: Profile,
    store: SecretStore,
    overrides: Mapping[str, object] | None,
    cancel: threading.Event | None,
    default_client_id: str | None,
) -> Job | SyncResult:
    """The job of a Microsoft 365 profile: a fresh access token in place of the password."""
    from exsync_tui.core.m365 import access_token

    try:
        token = access_token(profile, store, cancel, default_client_id=default_client_id)
    except KeyringUnavailable as error:
        return SyncResult(profile.name, False, topic="keyring-unavailable", detail=str(error))
    except TopicError as error:
        return SyncResult(profile.name, False, topic=error.topic_id, detail=error.detail)
    # The job carries its effective client id, so a silent refresh mid-sync (in the sync's
    # own process) needs no config.
    client_id = profile.office365.client_id or default_client_id
    profile = replace(profile, office365=replace(profile.office365, client_id=client_id))
    return Job(profile, token, options_for(profile, **(overrides or {})))
