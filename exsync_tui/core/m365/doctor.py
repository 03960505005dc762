"""`exsync diagnose` for a Microsoft 365 profile: settings, authority, sign-in, Graph.

Stops at the first failure with its help topic, like the Exchange doctor. It
never starts a sign-in: a missing or refused one is the ``m365-signin-needed``
family of topics, with the command that fixes it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import msal

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.diagnose.topics import topic_by_id
from exsync_tui.core.m365.cache import load_cache
from exsync_tui.core.m365.client import public_client
from exsync_tui.core.m365.graph_me import GraphRefused, read_me
from exsync_tui.core.m365.settings import M365Settings, settings_from_profile
from exsync_tui.core.m365.tokens import access_token
from exsync_tui.core.profiles import Profile
from exsync_tui.core.secrets import KeyringUnavailable, SecretStore
from exsync_tui.core.steps import Diagnosis, Step, StepStatus

SETTINGS_STEP = "Microsoft 365 settings"
AUTHORITY_STEP = "Sign-in authority"
SIGN_IN_STEP = "Microsoft 365 sign-in"
GRAPH_STEP = "Microsoft Graph"


class _Run:
    """The steps so far; each is reported as soon as it ends."""

    def __init__(self, on_step: Callable[[Step], None]) -> None:
        self.steps: list[Step] = []
        self._on_step = on_step
        self._started = time.monotonic()

    def add(self, name: str, status: StepStatus, detail: str) -> None:
        step = Step(name, status, detail, elapsed_s=time.monotonic() - self._started)
        self._started = time.monotonic()
        self.steps.append(step)
        self._on_step(step)

    def failed(self, name: str, error: TopicError) -> Diagnosis:
        self.add(name, StepStatus.FAIL, error.detail)
        return Diagnosis(False, tuple(self.steps), topic_by_id(error.topic_id), error.facts)


def _graph_step(
    run: _Run, settings: M365Settings, profile: Profile, store: SecretStore,
    cancel: threading.Event, default_client_id: str | None,
) -> Diagnosis:  # fmt: skip
    token = access_token(profile, store, cancel, default_client_id=default_client_id)
    try:
        user = read_me(settings, token, cancel)
    except GraphRefused as refused:
        if refused.status != 401:
            return run.failed(GRAPH_STEP, TopicError("unexpected-error", str(refused)))
        # The cached token may be revoked server-side: one forced refresh, then judge.
        token = access_token(
            profile, store, cancel, default_client_id=default_client_id, force_refresh=True
        )
        try:
            user = read_me(settings, token, cancel)
        except GraphRefused as again:
            return run.failed(GRAPH_STEP, TopicError("m365-signin-needed", str(again)))
    run.add(
        GRAPH_STEP, StepStatus.OK, f"{settings.graph_host}: {user.address} ({user.display_name})"
    )
    return Diagnosis(True, tuple(run.steps))


def diagnose_m365(
    profile: Profile,
    store: SecretStore,
    *,
    on_step: Callable[[Step], None],
    cancel: threading.Event,
    default_client_id: str | None = None,
) -> Diagnosis:
    """Check a Microsoft 365 profile from this machine, stopping at the first failure."""
    run = _Run(on_step)
    current = SETTINGS_STEP
    try:
        settings = settings_from_profile(profile, default_client_id)
        run.add(current, StepStatus.OK, f"client id {settings.client_id}, {settings.authority}")
        current = AUTHORITY_STEP
        cache = load_cache(store, profile.id)
        public_client(settings, cache, cancel)
        run.add(current, StepStatus.OK, f"{settings.authority_host} answers")
        current = SIGN_IN_STEP
        access_token(profile, store, cancel, default_client_id=default_client_id)
        accounts = list(cache.search(msal.TokenCache.CredentialType.ACCOUNT))
        who = accounts[0].get("username") if accounts else profile.email
        run.add(current, StepStatus.OK, f"signed in as {who}; the token refreshes silently")
        current = GRAPH_STEP
        return _graph_step(run, settings, profile, store, cancel, default_client_id)
    except KeyringUnavailable as error:
        return run.failed(current, TopicError("keyring-unavailable", str(error)))
    except TopicError as error:
        return run.failed(current, error)
