"""Shared fixtures: every test gets its own XDG directories, so nothing touches the real home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point XDG config, data, state and cache homes at a per-test temporary tree."""
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        directory = tmp_path / "xdg" / name.lower()
        directory.mkdir(parents=True)
        monkeypatch.setenv(f"XDG_{name}_HOME", str(directory))
    yield tmp_path / "xdg"
