"""What the TUI takes from outside, so the demo and the tests can inject it.

The real ``exsync`` uses the defaults: the config file in the XDG config
directory, the system keyring and the wall clock. The demo points at a
sandbox with an in-memory keyring; snapshot tests inject a fixed clock and a
preloaded config and never write anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exsync_tui.core.profiles import Config
    from exsync_tui.core.secrets import SecretStore


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class NewProfileDefaults:
    """Advanced settings a new mailbox starts with (the demo's host mapping and CA)."""

    connect_to: tuple[str, ...] = ()
    ca_file: Path | None = None


@dataclass
class UiContext:
    """Everything the app needs from its surroundings.

    ``initial_config`` skips loading the config file (snapshots). ``persist``
    False keeps the app from writing the config (snapshots and screenshots).
    ``secrets_factory`` builds the secret store in a worker thread, because
    opening a keyring may block on D-Bus. ``dns_server`` (``ADDR[:PORT]``)
    replaces the system resolver for every connection (the demo's sandbox).
    """

    config_path: Path | None = None
    clock: Callable[[], datetime] = _utc_now
    secrets_factory: Callable[[], SecretStore] | None = None
    initial_config: Config | None = None
    persist: bool = True
    demo_hint: str | Callable[[Config], str] | None = None
    """The demo's hint panel: fixed text, or worded from the config each time it changes."""
    subtitle: str | None = None
    new_profile_defaults: NewProfileDefaults = field(default_factory=NewProfileDefaults)
    dns_server: str | None = None
