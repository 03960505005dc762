"""The connect screen's Microsoft 365 part: no password, a client id, then the sign-in dialog.

Ticking "Microsoft 365" hides the password (Microsoft 365 signs in with OAuth)
and, where no client id is known (neither typed nor the config's
``[office365] client_id``), shows how an organisation registers exsync and a
field for the id. Connecting opens the sign-in dialog; once signed in, the
profile is saved by the same core calls ``exsync profiles add --office365``
(and ``edit``) make. A cancelled or failed sign-in saves nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, Static

from exsync_tui.ui.widgets.field_row import FieldRow

if TYPE_CHECKING:
    from exsync_tui.core.m365 import SignedIn
    from exsync_tui.core.profiles import Profile
    from exsync_tui.ui.app import ExsyncApp
    from exsync_tui.ui.screens.connect import ConnectScreen

CLIENT_ID_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
"""What an empty client id field shows (a registration's application id is a GUID)."""
CLIENT_ID_STEPS = (
    "No client id? exsync borrows none. Your administrator registers exsync once\n"
    "(README: Registering exsync in your organisation):\n"
    " 1. Entra admin center → App registrations → New registration.\n"
    " 2. Authentication → Mobile and desktop, http://localhost; Allow public\n"
    "    client flows: Yes.\n"
    " 3. API permissions → Microsoft Graph, delegated: Mail.ReadWrite,\n"
    "    Calendars.Read, User.Read; then Grant admin consent.\n"
    " 4. They give you its Application (client) ID (and, for a single-tenant\n"
    "    app, the tenant id: F2)."
)


def client_id_rows(client_id: str) -> ComposeResult:
    """The client id field and the registration steps (shown only when they are needed)."""
    yield FieldRow.text("Client id", "client_id", client_id, CLIENT_ID_PLACEHOLDER)
    yield Static(CLIENT_ID_STEPS, id="m365-client-help")


def show_office365(screen: ConnectScreen, ticked: bool) -> None:
    """Show the rows a Microsoft 365 mailbox needs, hide the password it does not."""
    asking = ticked and not screen.exsync.config.office365_client_id
    screen.query_one("#password-row").display = not ticked
    screen.query_one("#client_id-row").display = asking
    screen.query_one("#m365-client-help").display = asking and not screen.settings.client_id
    screen.query_one("#advanced-summary", Static).update(screen.settings.summary(ticked))


def typed_client_id(screen: ConnectScreen) -> bool:
    """Take the client id field into the settings; False (and say so) when it is unusable."""
    from exsync_tui.core.profiles import office365

    default = screen.exsync.config.office365_client_id
    row = screen.query_one("#client_id-row", FieldRow)
    if not row.display:  # the config's [office365] client_id serves, or the settings' own
        return bool(screen.settings.client_id or default)
    text = screen.query_one("#client_id", Input).value.strip()
    if text:
        try:
            text = office365.client_id(text)
        except ValueError as error:
            hint = getattr(error, "hint", None)
            row.show_verdict(f"✗ {error}" + (f" ({hint})" if hint else ""), ok=False)
            return False
    row.show_verdict("", ok=True)
    screen.settings = replace(screen.settings, client_id=text)
    return bool(text or default)


def sign_in_and_save(screen: ConnectScreen, profile: Profile) -> None:
    """The sign-in dialog; once signed in, save the profile as `profiles add`/`edit` does."""
    from exsync_tui.ui.m365_flow import open_sign_in

    app = screen.exsync
    screen._show_status(f"Signing {profile.email} in to Microsoft 365…")

    def signed_in(done: SignedIn) -> None:
        screen._show_status(f"Signed in as {done.username}; saving…")
        app.run_worker(
            lambda: _save(app, screen, profile), name="m365-save", thread=True,
            exit_on_error=False,
        )  # fmt: skip

    def not_signed_in() -> None:
        screen._show_status("✗ Not signed in: nothing was saved.")

    open_sign_in(app, profile, signed_in, fix=screen._fix, not_signed_in=not_signed_in)


def _save(app: ExsyncApp, screen: ConnectScreen, profile: Profile) -> None:
    """Worker thread: the profile without a password (its sign-in is in the keyring already)."""
    from exsync_tui.core.m365.tokens import forget_sign_in_error
    from exsync_tui.ui.connect_attempt import save_verified

    save_verified(app, screen, profile, None)
    forget_sign_in_error(profile, app.save_change)
    app.call_from_thread(screen.saved, profile)
