"""Microsoft 365 sign-in (core.m365) with unpatched msal against the sandbox's authority."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.m365 import (
    DeviceSignIn,
    TokenState,
    access_token,
    settings_from_profile,
    token_health,
)
from exsync_tui.core.profiles import ConnectionMode, Office365Settings, Profile, new_profile
from exsync_tui.core.profiles.model import TlsTrust
from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.secrets.memory import MemoryKeyring
from exsync_tui.sandbox import Sandbox

CLIENT_ID = "9a1c2d7e-0000-4000-8000-00000000e75c"


def m365_profile(sandbox: Sandbox, email: str | None = None) -> Profile:
    """A Microsoft 365 profile pointed at the sandbox's authority and trusting its CA."""
    assert sandbox.info.ca_file
    return new_profile(
        "m365",
        email or sandbox.info.users[0].email,
        mode=ConnectionMode.OFFICE365,
        tls=TlsTrust(ca_file=Path(sandbox.info.ca_file)),
        office365=Office365Settings(
            client_id=CLIENT_ID,
            authority=sandbox.info.authority_url,
            graph_url=sandbox.info.graph_url,
        ),
    )


def sign_in(
    sandbox: Sandbox,
    profile: Profile,
    store: SecretStore,
    answer: Callable[[str], Any] | None = None,
) -> Any:
    """Device-code sign-in; ``answer`` (default: approve) runs once the code is shown."""
    flow = DeviceSignIn(settings_from_profile(profile, None), store)
    prompt = flow.start()
    (answer or sandbox.control.approve_device_code)(prompt.user_code)
    return flow.wait()


@pytest.fixture
def store() -> SecretStore:
    return SecretStore(MemoryKeyring())


def test_approved_sign_in_stores_the_cache_in_the_keyring_only(
    sandbox: Sandbox, store: SecretStore, isolated_xdg: Path
) -> None:
    # The environment's REQUESTS_CA_BUNDLE (the system store) would override a session's
    # verify=; the profile's CA must still be the one that counts.
    assert os.environ.get("REQUESTS_CA_BUNDLE") != sandbox.info.ca_file
    profile = m365_profile(sandbox)
    done = sign_in(sandbox, profile, store)
    assert done.username == sandbox.info.users[0].email
    cache = store.get_token_cache(profile.id)
    assert cache is not None
    token = access_token(profile, store)
    assert sandbox.tokens.resolve(token) is not None
    (refresh,) = (e["secret"] for e in json.loads(cache.reveal())["RefreshToken"].values())
    for path in isolated_xdg.rglob("*"):
        if path.is_file():
            assert refresh.encode() not in path.read_bytes(), path
    assert token_health(profile, store).state is TokenState.VALID


def test_silent_refresh_rotates_and_saves_the_refresh_token(
    fresh_sandbox: Any, store: SecretStore
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    profile = m365_profile(sandbox)
    sign_in(sandbox, profile, store)
    before = store.get_token_cache(profile.id)
    sandbox.control.expire_access_tokens()
    token = access_token(profile, store, force_refresh=True)
    assert sandbox.tokens.resolve(token) is not None
    assert store.get_token_cache(profile.id) != before  # the rotated token was kept
    # And the rotated one works again (the spent one would answer AADSTS70043).
    assert sandbox.tokens.resolve(access_token(profile, store, force_refresh=True))


def test_a_revoked_refresh_token_needs_a_new_sign_in(
    fresh_sandbox: Any, store: SecretStore
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    profile = m365_profile(sandbox)
    sign_in(sandbox, profile, store)
    sandbox.control.revoke_refresh_tokens(profile.email)
    with pytest.raises(TopicError) as raised:
        access_token(profile, store, force_refresh=True)
    assert raised.value.topic_id == "m365-grant-revoked"


def test_no_stored_sign_in_is_sign_in_needed_without_a_request(
    sandbox: Sandbox, store: SecretStore
) -> None:
    profile = m365_profile(sandbox)
    sandbox.control.clear_request_log()
    with pytest.raises(TopicError) as raised:
        access_token(profile, store)
    assert raised.value.topic_id == "m365-signin-needed"
    assert sandbox.control.request_log() == []
    assert token_health(profile, store).state is TokenState.SIGN_IN_NEEDED


@pytest.mark.parametrize(
    ("answer", "topic"),
    [("decline_device_code", "m365-device-code-declined"),
     ("expire_device_code", "m365-device-code-expired")],
)  # fmt: skip
def test_declined_and_expired_codes_have_their_topics(
    sandbox: Sandbox, store: SecretStore, answer: str, topic: str
) -> None:
    profile = m365_profile(sandbox)
    with pytest.raises(TopicError) as raised:
        sign_in(sandbox, profile, store, getattr(sandbox.control, answer))
    assert raised.value.topic_id == topic
    assert store.get_token_cache(profile.id) is None


def test_consent_required_after_approval(fresh_sandbox: Any, store: SecretStore) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    sandbox.control.arm_oauth_error(65001)
    with pytest.raises(TopicError) as raised:
        sign_in(sandbox, m365_profile(sandbox), store)
    assert raised.value.topic_id == "m365-consent-required"
    assert raised.value.facts["aadsts"] == "65001"
    assert "Trace ID" not in raised.value.detail


def test_an_unknown_tenant_is_named(sandbox: Sandbox, store: SecretStore) -> None:
    profile = m365_profile(sandbox)
    settings = settings_from_profile(profile, None)
    wrong = type(settings)(**{**settings.__dict__, "authority": f"{sandbox.info.base_url}/nope"})
    with pytest.raises(TopicError) as raised:
        DeviceSignIn(wrong, store).start()
    assert raised.value.topic_id == "m365-tenant-not-found"


def test_cancel_during_the_wait_returns_promptly(fresh_sandbox: Any, store: SecretStore) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    sandbox.oauth.device_interval_s = 120  # without the cancel, the next poll is 2 min away
    profile = m365_profile(sandbox)
    cancel = threading.Event()
    flow = DeviceSignIn(settings_from_profile(profile, None), store, cancel)
    flow.start()
    outcome: dict[str, BaseException] = {}

    def wait() -> None:
        try:
            flow.wait()
        except TopicError as error:
            outcome["error"] = error

    waiter = threading.Thread(target=wait)
    sandbox.control.clear_request_log()
    waiter.start()
    # Cancel once the wait has polled at least once (it is then between polls or in one).
    assert sandbox.control.wait_for_request(lambda e: e["path"].endswith("/token"), timeout=20)
    cancel.set()
    waiter.join(timeout=5)
    assert not waiter.is_alive()
    assert isinstance(outcome.get("error"), TopicError)
    assert outcome["error"].topic_id == "cancelled"  # type: ignore[attr-defined]


def test_no_client_id_anywhere_says_how_to_get_one(sandbox: Sandbox) -> None:
    profile = m365_profile(sandbox)
    bare = new_profile("bare", profile.email, mode=ConnectionMode.OFFICE365)
    with pytest.raises(TopicError) as raised:
        settings_from_profile(bare, None)
    assert raised.value.topic_id == "m365-client-id-missing"
    assert "Registering exsync" in raised.value.detail
    assert settings_from_profile(bare, CLIENT_ID).authority.startswith(
        "https://login.microsoftonline.com/organizations"
    )
    assert settings_from_profile(bare, CLIENT_ID).instance_discovery
    assert not settings_from_profile(profile, None).instance_discovery
