"""Passwords and token caches in the system keyring, keyed by profile id.

Every keyring call runs in a daemon thread with a timeout: an unlock prompt
nobody answers (SSH, cron) must not hang exsync, and a thread left waiting on
it must not keep the process alive at exit.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TypeVar

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from exsync_tui.core.secrets import backends
from exsync_tui.core.secrets.errors import KeyringUnavailable
from exsync_tui.core.secrets.secret import Secret

SERVICE = "exsync"
DEFAULT_TIMEOUT_S = 10.0
_T = TypeVar("_T")


def password_key(profile_id: str) -> str:
    """The keyring username under which a profile's password is kept."""
    return f"password:{profile_id}"


def token_cache_key(profile_id: str) -> str:
    """The keyring username under which a profile's OAuth token cache is kept."""
    return f"token-cache:{profile_id}"


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for value in secrets:
        if value:
            text = text.replace(value, "***")
    return text


class SecretStore:
    """The keyring, restricted to secure backends, with timeouts.

    ``backend`` defaults to keyring's configured one (looked up on first use, in
    the worker thread, because finding it may talk to D-Bus). Passwords given with
    :meth:`set_session_password` live in this object only and win over the keyring.
    """

    def __init__(
        self, backend: KeyringBackend | None = None, *, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self._configured = backend
        self._chosen: KeyringBackend | None = None
        self._lock = threading.Lock()
        self._session: dict[str, Secret] = {}
        self.timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"SecretStore(backend={self._chosen!s}, timeout_s={self.timeout_s})"

    def _call(self, what: str, action: Callable[[], _T], secrets: tuple[str, ...] = ()) -> _T:
        """Run ``action`` in a daemon thread; KeyringUnavailable on timeout or backend error."""
        done = threading.Event()
        outcome: dict[str, object] = {}

        def work() -> None:
            try:
                outcome["value"] = action()
            except BaseException as error:  # handed to the caller below
                outcome["error"] = error
            finally:
                done.set()

        threading.Thread(target=work, name=f"exsync-keyring-{what}", daemon=True).start()
        if not done.wait(self.timeout_s):
            raise KeyringUnavailable(
                f"the keyring did not answer within {self.timeout_s:g} s while trying to {what} "
                "(it may be locked and waiting for an unlock prompt nobody can see)"
            )
        error = outcome.get("error")
        if isinstance(error, KeyringUnavailable):
            raise error
        if isinstance(error, PasswordDeleteError):
            raise error
        if isinstance(error, BaseException):
            detail = _scrub(f"{type(error).__name__}: {error}", secrets)
            # "from None": the backend's exception could carry the secret in its args.
            raise KeyringUnavailable(f"the keyring failed to {what} ({detail})") from None
        return outcome["value"]  # type: ignore[return-value]

    def _backend(self) -> KeyringBackend:
        """The secure backend in use (found once, inside a timed worker)."""
        with self._lock:
            if self._chosen is None:
                self._chosen = self._call("find a keyring backend", self._find_backend)
            return self._chosen

    def _find_backend(self) -> KeyringBackend:
        configured = self._configured or keyring.get_keyring()
        try:
            return backends.choose_secure(configured)
        except LookupError as refused:
            reason = str(refused)
            if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
                reason += "; there is no D-Bus session (DBUS_SESSION_BUS_ADDRESS is unset)"
            raise KeyringUnavailable(reason) from None

    def describe(self) -> str:
        """Where secrets are kept, for people (raises KeyringUnavailable when nowhere)."""
        return backends.describe(self._backend())

    def _get(self, key: str) -> Secret | None:
        backend = self._backend()
        value = self._call("read a secret", lambda: backend.get_password(SERVICE, key))
        return None if value is None else Secret(value)

    def _set(self, key: str, value: str) -> None:
        backend = self._backend()
        plain = str.__str__(value)
        self._call(
            "store a secret", lambda: backend.set_password(SERVICE, key, plain), secrets=(plain,)
        )

    def _delete(self, key: str) -> bool:
        backend = self._backend()
        try:
            self._call("delete a secret", lambda: backend.delete_password(SERVICE, key))
        except PasswordDeleteError:
            return False  # nothing was stored under this key
        return True

    def get_password(self, profile_id: str) -> Secret | None:
        """The profile's password: the session one if set, else the keyring's, else None."""
        if profile_id in self._session:
            return self._session[profile_id]
        return self._get(password_key(profile_id))

    def set_password(self, profile_id: str, password: str) -> None:
        """Store the profile's password in the keyring."""
        self._set(password_key(profile_id), password)

    def delete_password(self, profile_id: str) -> bool:
        """Forget the profile's password; True when one was stored."""
        self._session.pop(profile_id, None)
        return self._delete(password_key(profile_id))

    def has_password(self, profile_id: str) -> bool:
        """Whether a password is stored in the keyring (the session one does not count)."""
        return self._get(password_key(profile_id)) is not None

    def session_password(self, profile_id: str) -> Secret | None:
        """The password given with :meth:`set_session_password`, if any (keyring not read)."""
        return self._session.get(profile_id)

    def set_session_password(self, profile_id: str, password: str) -> None:
        """Use ``password`` until this process ends, without storing it anywhere."""
        self._session[profile_id] = Secret(password)

    def get_token_cache(self, profile_id: str) -> Secret | None:
        """The profile's serialised OAuth token cache, if any."""
        return self._get(token_cache_key(profile_id))

    def set_token_cache(self, profile_id: str, cache: str) -> None:
        """Store the profile's serialised OAuth token cache."""
        self._set(token_cache_key(profile_id), cache)

    def delete_token_cache(self, profile_id: str) -> bool:
        """Forget the profile's token cache; True when one was stored."""
        return self._delete(token_cache_key(profile_id))

    def delete_all(self, profile_id: str) -> list[str]:
        """Forget every secret of the profile; returns what was removed (``password``, ...)."""
        removed = []
        if self.delete_password(profile_id):
            removed.append("password")
        if self.delete_token_cache(profile_id):
            removed.append("token cache")
        return removed
