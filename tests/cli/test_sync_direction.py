"""`sync_direction`: default both, `profiles add/edit --sync-direction`, the TOML key."""

from __future__ import annotations

import pytest

from exsync_tui.core import paths
from exsync_tui.core.profiles import ConfigError, SyncDirection, load_config
from exsync_tui.core.sync.engine import options_for
from tests.cli_runner import run_exsync


def _add(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *extra: str) -> None:
    argv = ["profiles", "add", "work", "--email", "j@example.com", "--no-verify-connect", *extra]
    code, _, err = run_exsync(capsys, monkeypatch, *argv)
    assert code == 0, err


def test_default_is_both_and_edit_switches_to_pull_and_back(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(capsys, monkeypatch)
    profile = load_config().profiles["work"]
    assert profile.sync.sync_direction is SyncDirection.BOTH
    assert options_for(profile).push is True
    code, _, err = run_exsync(capsys, monkeypatch, "profiles", "edit", "work",
                              "--sync-direction", "pull")  # fmt: skip
    assert (code, err) == (0, "")
    profile = load_config().profiles["work"]
    assert profile.sync.sync_direction is SyncDirection.PULL
    assert options_for(profile).push is False
    assert 'sync_direction = "pull"' in paths.config_file().read_text()
    run_exsync(capsys, monkeypatch, "profiles", "edit", "work", "--sync-direction", "both")
    assert load_config().profiles["work"].sync.sync_direction is SyncDirection.BOTH


def test_add_takes_the_direction(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(capsys, monkeypatch, "--sync-direction", "pull")
    assert load_config().profiles["work"].sync.sync_direction is SyncDirection.PULL


def test_a_bad_value_in_the_file_names_the_field(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(capsys, monkeypatch, "--sync-direction", "pull")
    config = paths.config_file()
    config.write_text(config.read_text().replace('"pull"', '"push-only"'))
    with pytest.raises(ConfigError) as refused:
        load_config()
    message = str(refused.value)
    assert "sync_direction" in message and "'pull', 'both'" in message
