"""Shared fixtures: every test gets its own XDG directories, so nothing touches the real home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exsync_tui.core.secrets.memory import MemoryKeyring

# Every test runs inside the loopback guard (autouse): nothing may leave 127.0.0.0/8 or ::1.
pytest_plugins = ["tests.fixtures_network", "tests.fixtures_sandbox", "tests.loopback_guard"]


@pytest.fixture(autouse=True)
def isolated_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point XDG config, data, state and cache homes at a per-test temporary tree."""
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        directory = tmp_path / "xdg" / name.lower()
        directory.mkdir(parents=True)
        monkeypatch.setenv(f"XDG_{name}_HOME", str(directory))
    yield tmp_path / "xdg"


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """Give every test an empty in-memory keyring, so no test touches a real one.

    Child processes get keyring's null backend (which exsync refuses), so a subprocess
    test sees "no secure keyring" rather than the developer's real keyring.
    """
    import keyring.core

    backend = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", backend)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    yield backend
