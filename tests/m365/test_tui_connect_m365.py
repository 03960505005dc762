"""The connect screen's Microsoft 365 tick box and the advanced settings of such a mailbox."""

from __future__ import annotations

from textual.pilot import Pilot

from exsync_tui.core.profiles import Config, save_config
from exsync_tui.core.secrets.memory import MemoryKeyring
from exsync_tui.ui.app import ExsyncApp
from exsync_tui.ui.screens.advanced import AdvancedSettingsDialog
from exsync_tui.ui.screens.connect import ConnectScreen
from exsync_tui.ui.screens.signin import SignInDialog
from tests.m365.test_signin import CLIENT_ID
from tests.ui.helpers_ui import (
    app_on_disk,
    focused_id,
    saved_config,
    screen_text,
    synchronous,
    wait_for_screen,
    wait_until,
)


def _shown(app: ExsyncApp, selector: str) -> bool:
    return bool(app.screen.query_one(selector).display)


async def _ticked(pilot: Pilot[None], app: ExsyncApp) -> None:
    """The connect screen with an address typed and Microsoft 365 ticked."""
    await wait_until(pilot, lambda: app.config_loaded)
    await pilot.press("a")
    await wait_for_screen(pilot, app, ConnectScreen)
    await pilot.press(*"lee@contoso.example", "tab", "tab", "tab", "space")
    await wait_until(pilot, lambda: not _shown(app, "#password-row"))


@synchronous
async def test_without_a_client_id_the_screen_explains_registering_one_and_asks_for_it() -> None:
    app = app_on_disk(MemoryKeyring(), [])
    async with app.run_test(size=(80, 24)) as pilot:
        await _ticked(pilot, app)
        assert _shown(app, "#client_id-row") and _shown(app, "#m365-client-help")
        text = screen_text(app)
        assert "client flows: Yes" in text and "Grant admin consent" in text
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Type your organisation's client id" in screen_text(app))
        assert focused_id(app) == "client_id"
        await pilot.press(*"not-a-guid", "ctrl+s")
        await wait_until(pilot, lambda: "is not an application (client) id" in screen_text(app))
        assert not isinstance(app.screen, SignInDialog)
    assert saved_config().profiles == {}


@synchronous
async def test_a_client_id_for_every_profile_in_the_config_is_not_asked_for() -> None:
    config = Config()
    config.office365_client_id = CLIENT_ID
    save_config(config)
    app = app_on_disk(MemoryKeyring(), write=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ticked(pilot, app)
        assert not _shown(app, "#client_id-row") and not _shown(app, "#m365-client-help")


@synchronous
async def test_advanced_settings_check_the_microsoft_365_fields_by_name() -> None:
    app = app_on_disk(MemoryKeyring(), [])
    async with app.run_test(size=(80, 24)) as pilot:
        await _ticked(pilot, app)
        await pilot.press("f2")
        await wait_for_screen(pilot, app, AdvancedSettingsDialog)
        assert not _shown(app, "#server-row") and not _shown(app, "#username-row")
        assert focused_id(app) == "tenant"
        await pilot.press(*"no tenant", "tab", "tab", *"http://a.us/x")
        await pilot.press("tab", *"https://g.us")
        await wait_until(pilot, lambda: "is not a tenant" in screen_text(app))
        await wait_until(pilot, lambda: "is not an https URL" in screen_text(app))
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: focused_id(app) == "tenant")
        assert isinstance(app.screen, AdvancedSettingsDialog)  # not saved while a field is wrong
        await pilot.press("ctrl+u", *"c.us", "tab", *CLIENT_ID, "tab", "ctrl+u", *"https://a.us/c")
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, app, ConnectScreen)
        screen = app.screen
        assert isinstance(screen, ConnectScreen)
        settings = screen.settings
        assert settings.tenant == "c.us" and settings.client_id == CLIENT_ID
        assert (settings.authority, settings.graph_url) == ("https://a.us/c", "https://g.us")
        assert "tenant c.us" in screen_text(app)
