"""Adding or editing a mailbox: email, password, Microsoft 365, advanced settings, live steps."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Static

from exsync_tui.core.profiles import ConfigError, Profile
from exsync_tui.core.profiles import validate as checks
from exsync_tui.core.steps import Diagnosis
from exsync_tui.ui import binding_ids as ids
from exsync_tui.ui import connect_m365 as m365
from exsync_tui.ui.forms import AdvancedSettings, build_profile, suggested_name
from exsync_tui.ui.messages import StepsUpdated
from exsync_tui.ui.screens.base import ReportsWorkerFailures
from exsync_tui.ui.widgets.field_row import FieldRow
from exsync_tui.ui.widgets.password_input import PasswordInput
from exsync_tui.ui.widgets.step_list import StepList
from exsync_tui.ui.widgets.tick_box import TickBox

if TYPE_CHECKING:
    from exsync_tui.ui.app import ExsyncApp
    from exsync_tui.ui.connect_attempt import AttemptResult
    from exsync_tui.ui.screens.error_help import HelpChoice

APP_PASSWORD_HINT = "Two-factor sign-in? Use an app password. (Never copied.)"  # noqa: S105


class ConnectScreen(ReportsWorkerFailures, Screen[None]):
    """The form, then each autodiscover step live; success saves, failure opens the error help."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "connect", "Connect", id=ids.CONNECT),
        Binding("f2", "advanced", "Advanced", id=ids.ADVANCED),
        Binding("escape", "cancel", "Cancel", id=ids.CANCEL),
    ]

    connecting: reactive[bool] = reactive(False)

    def __init__(
        self,
        profile: Profile | None = None,
        *,
        fix_field: str | None = None,
        pin: str | None = None,
    ) -> None:
        super().__init__()
        self.profile = profile
        self.fix_field = fix_field
        self.pin = pin
        self._name_touched = profile is not None
        self._attempt = 0
        self.done = False
        self._cancel_current: object | None = None
        self.last_result: AttemptResult | None = None

    @property
    def exsync(self) -> ExsyncApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        """The form on top, the steps below."""
        profile = self.profile
        if profile is None:
            self.settings = AdvancedSettings.from_defaults(self.exsync.context.new_profile_defaults)
        else:
            self.settings = AdvancedSettings.from_profile(profile)
        if self.pin:
            self.settings = replace(self.settings, pin_sha256=self.pin)
        yield Header()
        with Vertical(id="connect-form"):
            title = "Add a mailbox" if profile is None else f"Edit the mailbox {profile.name!r}"
            yield Label(title, classes="screen-title")
            email = profile.email if profile else ""
            yield FieldRow.text("Email", "email", email, "you@example.com")
            saved = " (empty: keep the saved one)" if profile else ""
            yield FieldRow(
                "Password",
                PasswordInput(placeholder=f"password{saved}", id="password"),
                hint=APP_PASSWORD_HINT,
                id="password-row",
            )
            yield FieldRow.text(
                "Name", "name", profile.name if profile else "", "a short name for this mailbox"
            )
            yield TickBox(
                "Microsoft 365 / Office 365 (mail hosted by Microsoft)",
                value=bool(profile and profile.mode.value == "office365"),
                id="office365",
                compact=True,
            )
            yield from m365.client_id_rows(self.settings.client_id)
            with Horizontal(classes="button-row"):
                yield Button("Connect", id="connect", variant="primary", compact=True)
                yield Button("Advanced settings…", id="advanced", compact=True)
                yield Button("Back", id="back", compact=True)
            yield Static(self.settings.summary(), id="advanced-summary")
        yield Static("", id="connect-status")
        yield StepList(id="steps")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Focus the first field that needs typing."""
        target = "#password" if self.profile else "#email"
        m365.show_office365(self, self.query_one("#office365", TickBox).value)
        if self.profile and self.query_one("#office365", TickBox).value:
            target = "#name"
        self.query_one(target, Input).focus()
        self.query_one("#steps").display = False
        self.query_one("#connect-status").display = False
        earlier = self.exsync.last_connects.get(self.profile.name) if self.profile else None
        if earlier:
            steps = self.query_one("#steps", StepList)
            steps.display = True
            steps.show(earlier)
            self._show_status("The last connect in this session worked; its steps are below.")
        if self.fix_field:
            self.call_after_refresh(self._fix, self.fix_field)

    # -------------------------------------------------------------- validation

    def on_checkbox_changed(self, event: TickBox.Changed) -> None:
        """Microsoft 365 needs no password, but a client id."""
        m365.show_office365(self, event.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Check each field as it is typed and say why it is wrong next to it."""
        if event.input.id == "email":
            self._check_email(event.value)
            if not self._name_touched:
                name_input = self.query_one("#name", Input)
                name_input.value = suggested_name(event.value, self._taken_names())
                self._name_touched = False
        elif event.input.id == "name":
            if self.query_one("#name", Input).has_focus:
                self._name_touched = True
            self._check_name(event.value)

    def _taken_names(self) -> set[str]:
        own = self.profile.name if self.profile else None
        return {name for name in self.exsync.config.profiles if name != own}

    def _check_email(self, value: str) -> bool:
        row = self.query_one("#email-row", FieldRow)
        if not value.strip():
            row.show_verdict("", ok=True)
            return False
        try:
            checks.email(value)
        except checks.InvalidValue as error:
            row.show_verdict(_reason(error), ok=False)
            return False
        existing = self._same_address(value)
        if existing is not None:
            row.show_verdict(f"✗ already the mailbox {existing.name!r}", ok=False)
            return False
        row.show_verdict("", ok=True)
        return True

    def _same_address(self, email: str) -> Profile | None:
        """Another mailbox with this address (one mailbox is never added twice)."""
        own = self.profile.name if self.profile else None
        return self.exsync.config.by_email(email, other_than=own)

    def _check_name(self, value: str) -> bool:
        row = self.query_one("#name-row", FieldRow)
        try:
            checks.profile_name(value)
        except checks.InvalidValue as error:
            row.show_verdict(_reason(error), ok=False)
            return False
        if value.casefold() in {name.casefold() for name in self._taken_names()}:
            row.show_verdict(f"✗ a mailbox named {value!r} already exists", ok=False)
            return False
        row.show_verdict("", ok=True)
        return True

    # ----------------------------------------------------------------- actions

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """``enter`` moves on to the next field, and connects from the last one."""
        if event.input.id == "password" or event.input.id == "name":
            self.action_connect()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """The three buttons of the form."""
        if event.button.id == "connect":
            self.action_connect()
        elif event.button.id == "advanced":
            self.action_advanced()
        elif event.button.id == "back":
            self.action_cancel()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While connecting, only cancelling is possible."""
        if action in {"connect", "advanced"}:
            return None if self.connecting or (self.done and action == "advanced") else True
        return True

    def action_advanced(self, field: str | None = None) -> None:
        """Open the advanced settings (at ``field`` when the error help asked for it)."""
        from exsync_tui.ui.screens.advanced import AdvancedSettingsDialog

        if self.connecting:
            return

        office365 = self.query_one("#office365", TickBox).value
        if office365:
            m365.typed_client_id(self)

        def apply(settings: AdvancedSettings | None) -> None:
            if settings is not None:
                self.settings = settings
                self.query_one("#client_id", Input).value = settings.client_id
                m365.show_office365(self, office365)
                self.query_one("#connect", Button).focus()
                if field is not None:
                    # Opened to fix what a failure named: try the fix at once.
                    self.action_connect()

        dialog = AdvancedSettingsDialog(self.settings, focus_field=field, office365=office365)
        self.app.push_screen(dialog, apply)

    def action_connect(self) -> None:
        """Validate the form and start a connect attempt in a worker thread."""
        if self.done:
            self.dismiss(None)
            return
        if self.connecting:
            return
        email = self.query_one("#email", Input).value
        password = self.query_one("#password", PasswordInput).value
        name = self.query_one("#name", Input).value.strip()
        office365 = self.query_one("#office365", TickBox).value
        if not self._check_email(email):
            existing = self._same_address(email) if email.strip() else None
            if existing is not None:
                self._refuse(
                    f"{email.strip()} is already the mailbox {existing.name!r}: "
                    "back to the dashboard, then e edits it.",
                    "#email",
                )
            else:
                self._refuse("Type the mailbox's email address first.", "#email")
            return
        if not name:
            name = suggested_name(email, self._taken_names())
            self.query_one("#name", Input).value = name
        if not self._check_name(name):
            self._refuse("Choose another name for this mailbox.", "#name")
            return
        if not password and self.profile is None and not office365:
            self._refuse("Type the password (or an app password).", "#password")
            return
        if office365 and not m365.typed_client_id(self):
            self._refuse("Type your organisation's client id for exsync.", "#client_id")
            return
        try:
            profile = build_profile(name, email, office365, self.settings, self.profile)
        except ConfigError as error:
            self._refuse(str(error.message), "#advanced")
            return
        except ValueError as error:  # ServerTextError and InvalidValue are ValueErrors
            self._refuse(f"Advanced settings: {error}", "#advanced")
            return
        if office365:
            m365.sign_in_and_save(self, profile)
        else:
            self._start_attempt(profile, password or None)

    def _refuse(self, message: str, focus: str) -> None:
        self._show_status(f"✗ {message}")
        self.query_one(focus).focus()

    def action_cancel(self) -> None:
        """Cancel the running attempt at once, or leave the screen when idle."""
        from exsync_tui.ui.connect_attempt import cancel_attempt

        if self.connecting:
            cancel_attempt(self)
        else:
            self.dismiss(None)

    # ------------------------------------------------------------- the attempt

    def _start_attempt(self, profile: Profile, password: str | None) -> None:
        from exsync_tui.ui.connect_attempt import run_attempt

        self._attempt += 1
        self.connecting = True
        steps = self.query_one("#steps", StepList)
        steps.display = True
        steps.clear()
        self._show_status(f"Connecting {profile.email}… (escape cancels)")
        run_attempt(self, profile, password, self._attempt)

    def watch_connecting(self, connecting: bool) -> None:
        """Lock the form while an attempt runs."""
        for widget in self.query("#connect-form Input, #connect-form TickBox, Button"):
            widget.disabled = connecting
        self.refresh_bindings()

    def on_steps_updated(self, message: StepsUpdated) -> None:
        """Show the latest steps of the current attempt (none after it ended: an abandoned
        attempt's thread may still report)."""
        if message.attempt == self._attempt and self.connecting:
            self.query_one("#steps", StepList).show(message.steps)

    def attempt_finished(self, result: AttemptResult) -> None:
        """Called on the UI thread when a connect attempt ended (any way)."""
        if result.attempt != self._attempt:
            return
        self.connecting = False
        self.last_result = result
        if result.diagnosis is not None:
            # The final list: step messages still queued are dropped once connecting ends.
            self.query_one("#steps", StepList).show(result.diagnosis.steps)
        if result.cancelled:
            self.query_one("#steps", StepList).stop_running("cancelled")
            self._show_status("✗ Cancelled. Nothing was saved.")
            self.query_one("#connect", Button).focus()
        elif result.failed:
            self._show_status("✗ Something went wrong inside exsync; nothing was saved.")
            self.query_one("#connect", Button).focus()
        elif result.saved is not None:
            self.saved(result.saved, result.diagnosis)
        elif result.diagnosis is not None:
            self._show_status("✗ Could not connect. See the help.")
            self._open_help(result.diagnosis)

    def _open_help(self, diagnosis: Diagnosis) -> None:
        from exsync_tui.ui.screens.error_help import ErrorHelpScreen

        request = self.last_result.request if self.last_result else None
        screen = ErrorHelpScreen(diagnosis, request=request, can_fix=True)
        self.app.push_screen(screen, self._help_chosen)

    def _help_chosen(self, choice: HelpChoice | None) -> None:
        if choice is None:
            return
        if choice.action == "retry":
            self.action_connect()
        elif choice.action == "fix" and choice.field:
            self._fix(choice.field)
        elif choice.action == "pin" and choice.pin:
            self.settings = replace(self.settings, pin_sha256=choice.pin)
            self.query_one("#advanced-summary", Static).update(self.settings.summary())
            self.action_connect()

    def _fix(self, field: str) -> None:
        """Go to the setting a failure named; the advanced settings connect again on saving."""
        if field == "password":
            self._show_status("Type the password again; enter connects again.")
            self.query_one("#password", PasswordInput).focus()
        elif field == "office365":
            self._show_status("Change the Microsoft 365 choice, then ctrl+s connects again.")
            self.query_one("#office365", TickBox).focus()
        else:
            self.action_advanced(field)

    def saved(self, profile: Profile, diagnosis: Diagnosis | None = None) -> None:
        """The mailbox and its password are saved: the steps stay until the user goes back.

        They are kept on the app too, so editing the mailbox later shows them again.
        """
        self.done = True
        if diagnosis is not None:
            self.exsync.last_connects[profile.name] = diagnosis.steps
        self.app.notify(f"✓ {profile.name}: connected and saved.", title="Mailbox saved")
        for widget in self.query("#connect-form Input, #connect-form TickBox, Button"):
            widget.disabled = widget.id != "connect"
        done = self.query_one("#connect", Button)
        done.label = "Done"
        done.focus()
        self._show_status(
            f"✓ {profile.name}: connected and saved. Enter or escape: back to the dashboard."
        )
        self.refresh_bindings()

    def _show_status(self, text: str) -> None:
        status = self.query_one("#connect-status", Static)
        status.display = True
        status.update(text)


def _reason(error: checks.InvalidValue) -> str:
    hint = f" ({error.hint})" if error.hint else ""
    return f"✗ {error.message}{hint}"
