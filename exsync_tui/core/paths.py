"""Where exsync keeps its files: XDG directories through platformdirs.

platformdirs honours ``XDG_CONFIG_HOME``, ``XDG_DATA_HOME`` and ``XDG_STATE_HOME`` on
Linux; the functions read them on every call so tests (and users) can point them
elsewhere per process.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "exsync"


def config_dir() -> Path:
    """Directory holding ``config.toml``."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The one config file."""
    return config_dir() / "config.toml"


def data_dir() -> Path:
    """Root of the synced mail and calendars (one folder per profile)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    """Sync state, caches and logs."""
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Redacted logs."""
    return state_dir() / "log"
