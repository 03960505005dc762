"""resolve_password: the one place that picks the sign-in password (session, command, keyring)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from exsync_tui.core.profiles import (
    ConnectionMode,
    PasswordSource,
    Profile,
    new_profile,
    password_source,
    resolve_password,
)
from exsync_tui.core.secrets import PasswordCommandError, Secret, SecretStore
from exsync_tui.core.secrets.memory import MemoryKeyring

STALE = "stale-keyring-Pa55"
FROM_COMMAND = "from-command-Pa55"


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("schema_version = 1\n")
    path.chmod(0o600)
    return path


def _printing(text: str) -> tuple[str, ...]:
    return (sys.executable, "-c", f"print({text!r})")


def _store_with(profile: Profile, password: str) -> tuple[SecretStore, MemoryKeyring]:
    backend = MemoryKeyring()
    store = SecretStore(backend)
    store.set_password(profile.id, password)
    backend.calls = 0
    return store, backend


def test_the_password_command_wins_over_the_keyring_which_is_not_read(
    config_path: Path,
) -> None:
    profile = new_profile(
        "work", "j@example.com", password_command=_printing(FROM_COMMAND), server="mail.e.com"
    )
    store, backend = _store_with(profile, STALE)

    password = resolve_password(profile, store, config_path=config_path)

    assert password == FROM_COMMAND and isinstance(password, Secret)
    assert backend.calls == 0
    assert password_source(profile) is PasswordSource.COMMAND


def test_without_a_command_the_keyring_password_is_used(config_path: Path) -> None:
    profile = new_profile("work", "j@example.com", server="mail.e.com")
    store, backend = _store_with(profile, STALE)

    assert resolve_password(profile, store, config_path=config_path) == STALE
    assert backend.calls == 1
    assert password_source(profile) is PasswordSource.KEYRING


def test_nothing_stored_and_no_command_is_none(config_path: Path) -> None:
    profile = new_profile("work", "j@example.com", server="mail.e.com")
    assert resolve_password(profile, SecretStore(MemoryKeyring()), config_path=config_path) is None


def test_a_session_password_wins_over_the_command_which_does_not_run(
    config_path: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    touch = (sys.executable, "-c", f"open({str(marker)!r}, 'w'); print('x')")
    profile = new_profile("work", "j@example.com", password_command=touch, server="mail.e.com")
    store, _ = _store_with(profile, STALE)
    store.set_session_password(profile.id, "typed-this-run")

    assert resolve_password(profile, store, config_path=config_path) == "typed-this-run"
    assert not marker.exists()


def test_microsoft_365_has_no_password_even_with_one_stored(config_path: Path) -> None:
    profile = new_profile("cloud", "j@contoso.com", mode=ConnectionMode.OFFICE365)
    store, backend = _store_with(profile, STALE)

    assert resolve_password(profile, store, config_path=config_path) is None
    assert backend.calls == 0
    assert password_source(profile) is PasswordSource.OAUTH


def test_a_failing_command_is_an_error_not_a_fallback_to_the_keyring(config_path: Path) -> None:
    failing = (sys.executable, "-c", "import sys; sys.exit(3)")
    profile = new_profile("work", "j@example.com", password_command=failing, server="mail.e.com")
    store, _ = _store_with(profile, STALE)

    with pytest.raises(PasswordCommandError, match="exited with status 3"):
        resolve_password(profile, store, config_path=config_path)


def test_cancel_stops_the_command(config_path: Path) -> None:
    slow = (sys.executable, "-c", "import time; time.sleep(60)")
    profile = new_profile("work", "j@example.com", password_command=slow, server="mail.e.com")
    cancel = threading.Event()
    cancel.set()

    with pytest.raises(PasswordCommandError, match="cancelled"):
        resolve_password(
            profile, SecretStore(MemoryKeyring()), cancel=cancel, config_path=config_path
        )
