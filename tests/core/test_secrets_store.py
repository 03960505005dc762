"""SecretStore: keyed by profile id, secure backends only, never hangs, never leaks."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from exsync_tui.core.secrets import (
    SERVICE,
    KeyringUnavailable,
    Secret,
    SecretStore,
    password_key,
    token_cache_key,
)
from exsync_tui.core.secrets.backends import refusal_reason
from exsync_tui.core.secrets.memory import MemoryKeyring

CANARY = "canary-Pa55w0rd-7f3a"


def test_default_store_uses_the_test_keyring_and_keys_by_profile_id(
    memory_keyring: MemoryKeyring,
) -> None:
    store = SecretStore()
    store.set_password("abc123", CANARY)
    store.set_token_cache("abc123", '{"AccessToken": {}}')
    assert memory_keyring.entries == {
        (SERVICE, password_key("abc123")): CANARY,
        (SERVICE, token_cache_key("abc123")): '{"AccessToken": {}}',
    }
    password = store.get_password("abc123")
    assert password == CANARY and isinstance(password, Secret)
    assert store.get_token_cache("abc123") == '{"AccessToken": {}}'
    assert store.get_password("other") is None
    assert store.describe() == "an in-memory keyring (tests only)"


def test_delete_all_reports_what_was_removed(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    store.set_password("p1", CANARY)
    store.set_token_cache("p1", "cache")
    store.set_password("p2", "other")
    assert store.delete_all("p1") == ["password", "token cache"]
    assert store.delete_all("p1") == []
    assert list(memory_keyring.entries) == [(SERVICE, password_key("p2"))]


def test_session_password_wins_and_is_never_stored(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    store.set_session_password("p1", CANARY)
    assert store.get_password("p1") == CANARY
    assert not store.has_password("p1")
    assert memory_keyring.entries == {}


def test_secret_repr_is_masked_but_the_value_is_usable() -> None:
    secret = Secret(CANARY)
    assert repr(secret) == "Secret('***')"
    assert CANARY not in repr([secret, {"pw": secret}])
    assert secret.reveal() == CANARY and type(secret.reveal()) is str


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_placeholder_backends_are_refused_with_the_fixes(backend: KeyringBackend) -> None:
    store = SecretStore(backend)
    with pytest.raises(KeyringUnavailable) as caught:
        store.get_password("p1")
    message = str(caught.value)
    assert "no secure keyring is available" in message
    assert "dbus-run-session" in message and "gnome-keyring-daemon --unlock" in message
    assert "--password-command" in message and "--password-stdin" in message
    assert caught.value.help_topic == "keyring-unavailable"


def _fake_backend(module: str, name: str) -> KeyringBackend:
    """A backend class that claims to live in ``module``, as keyrings.alt's would.

    It inherits MemoryKeyring's non-viable priority, so keyring never picks it.
    """
    cls = type(name, (MemoryKeyring,), {"__module__": module})
    return cls()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("module", "name", "words"),
    [
        ("keyrings.alt.file", "PlaintextKeyring", "plain text"),
        ("keyrings.alt.file", "EncryptedKeyring", "without a MAC"),
        ("somewhere.else", "PlaintextKeyring", "plain text"),
    ],
)
def test_insecure_file_backends_are_refused(module: str, name: str, words: str) -> None:
    backend = _fake_backend(module, name)
    assert words in (refusal_reason(backend) or "")
    with pytest.raises(KeyringUnavailable, match=words):
        SecretStore(backend).set_password("p1", CANARY)
    assert backend.entries == {}  # type: ignore[attr-defined]


@pytest.fixture
def chained(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[KeyringBackend]]:
    members: list[KeyringBackend] = []
    monkeypatch.setattr(chainer.ChainerBackend, "backends", members)
    yield members


def test_a_chainer_uses_only_its_secure_member(chained: list[KeyringBackend]) -> None:
    plaintext = _fake_backend("keyrings.alt.file", "PlaintextKeyring")
    secure = MemoryKeyring()
    chained.extend([plaintext, secure])
    store = SecretStore(chainer.ChainerBackend())
    store.set_password("p1", CANARY)
    assert store.get_password("p1") == CANARY
    assert plaintext.entries == {}  # type: ignore[attr-defined]
    assert secure.entries == {(SERVICE, password_key("p1")): CANARY}


def test_a_chainer_of_only_insecure_members_is_refused(chained: list[KeyringBackend]) -> None:
    chained.extend([_fake_backend("keyrings.alt.file", "PlaintextKeyring"), null.Keyring()])
    with pytest.raises(KeyringUnavailable, match="only backends exsync refuses"):
        SecretStore(chainer.ChainerBackend()).get_password("p1")


class _HangingKeyring(MemoryKeyring):
    """Blocks like an unanswered unlock prompt until released."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.entered.set()
        self.release.wait()
        return None


def test_a_hanging_keyring_times_out_with_a_plain_message() -> None:
    backend = _HangingKeyring()
    store = SecretStore(backend, timeout_s=0.2)
    try:
        with pytest.raises(KeyringUnavailable, match=r"did not answer within 0.2 s"):
            store.get_password("p1")
        assert backend.entered.is_set()
    finally:
        backend.release.set()


class _BrokenKeyring(MemoryKeyring):
    """Fails the way a backend might, quoting the password in its error."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"cannot store {password!r}: collection is locked")


def test_backend_errors_become_keyring_unavailable_without_the_secret() -> None:
    store = SecretStore(_BrokenKeyring())
    with pytest.raises(KeyringUnavailable) as caught:
        store.set_password("p1", CANARY)
    rendered = "".join(traceback.format_exception(caught.value))
    assert "collection is locked" in rendered
    assert CANARY not in rendered


def test_store_repr_holds_no_secret() -> None:
    store = SecretStore()
    store.set_session_password("p1", CANARY)
    store.set_password("p2", CANARY)
    assert CANARY not in repr(store)


def test_memory_keyring_is_never_chosen_automatically() -> None:
    assert not MemoryKeyring.viable
    assert all(not isinstance(b, MemoryKeyring) for b in keyring.backend.get_all_keyring())
