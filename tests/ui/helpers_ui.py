"""Helpers for the TUI's Pilot tests: an app on a real config file and an in-memory keyring."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, ParamSpec

from textual.pilot import Pilot
from textual.screen import Screen

from exsync_tui.core import paths
from exsync_tui.core.profiles import Config, Profile, load_config, save_config
from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.secrets.memory import MemoryKeyring
from exsync_tui.ui.app import ExsyncApp
from exsync_tui.ui.context import NewProfileDefaults, UiContext

P = ParamSpec("P")


def synchronous(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an async Pilot test with ``asyncio.run`` (no async pytest plugin needed)."""

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def app_on_disk(
    keyring: MemoryKeyring,
    profiles: list[Profile] | None = None,
    *,
    keymap: dict[str, str] | None = None,
    defaults: NewProfileDefaults | None = None,
    dns_server: str | None = None,
    write: bool = True,
) -> ExsyncApp:
    """An app that loads and saves the (per-test) XDG config file, as `exsync` does.

    With ``write`` the config file is first replaced by one holding ``profiles``.
    """
    if write:
        config = Config()
        for profile in profiles or []:
            config.add(profile)
        if keymap:
            config.ui.keymap.update(keymap)
        save_config(config)
    context = UiContext(
        secrets_factory=lambda: SecretStore(keyring),
        new_profile_defaults=defaults or NewProfileDefaults(),
        dns_server=dns_server,
    )
    return ExsyncApp(context)


def saved_config() -> Config:
    """The config file as it is on disk now."""
    return load_config(paths.config_file())


async def wait_until(
    pilot: Pilot[None], condition: Callable[[], bool], *, timeout: float = 20.0
) -> None:
    """Let the app run until ``condition`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause()
        await asyncio.sleep(0.02)


async def wait_for_screen(
    pilot: Pilot[None], app: ExsyncApp, screen_type: type[Screen[Any]], *, timeout: float = 20.0
) -> None:
    """Wait until a screen of ``screen_type`` is active *and ready for keys*.

    A screen becomes ``app.screen`` as soon as it is pushed, before it is mounted and
    has focused its first field; keys pressed in between go astray. Focus inside
    the screen is what a user (and a test) needs before typing.
    """

    def ready() -> bool:
        screen = app.screen
        focused = app.focused
        return isinstance(screen, screen_type) and focused is not None and focused.screen is screen

    await wait_until(pilot, ready, timeout=timeout)


def focused_id(app: ExsyncApp) -> str | None:
    """The id of the focused widget: a dialog is ready for keys once its safe answer has focus."""
    return app.focused.id if app.focused is not None else None


def screen_text(app: ExsyncApp) -> str:
    """Every Static/Label text of the current screen, to assert on what a user reads."""
    from textual.widgets import Label, Static

    parts = []
    for widget in app.screen.query(Static):
        if isinstance(widget, Static | Label):
            parts.append(str(widget.render()))
    return "\n".join(parts)


def notified(app: ExsyncApp, text: str) -> bool:
    """Whether a toast now shown says ``text`` (Textual keeps them on the app, not a screen)."""
    return any(text in notification.message for notification in app._notifications)


def mail_dir_with_a_message(profile: Profile) -> Path:
    """Create the profile's Maildir with one message, as a sync would have."""
    cur = profile.effective_mail_dir() / "INBOX" / "cur"
    cur.mkdir(parents=True)
    (cur / "1:2,S").write_text("Subject: hello\n\nhi\n")
    return profile.effective_mail_dir()
