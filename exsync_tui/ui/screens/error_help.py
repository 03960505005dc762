"""Error help: what went wrong in plain words, what to try, the steps, and what to do next."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, Static

from exsync_tui.core.diagnose.personal import personalised
from exsync_tui.core.steps import Diagnosis, Step
from exsync_tui.ui import binding_ids as ids
from exsync_tui.ui.keymap import restyle_bindings
from exsync_tui.ui.messages import StepsUpdated
from exsync_tui.ui.presenters import fingerprint_lines
from exsync_tui.ui.screens.base import ReportsWorkerFailures
from exsync_tui.ui.widgets.step_list import StepList

if TYPE_CHECKING:
    import threading

    from exsync_tui.ui.app import ExsyncApp

FIELD_LABELS = {
    "username": "username",
    "server": "server",
    "auth": "sign-in method",
    "ca_file": "CA file",
    "pin_sha256": "certificate pin",
    "connect_to": "host mapping",
    "password": "password",
    "office365": "Microsoft 365 choice",
}

DiagnosisRunner = Callable[[Callable[[Step], None], "threading.Event"], tuple[Diagnosis, Any]]
"""Runs the doctor with a step callback and a cancel event; returns the diagnosis and request."""


@dataclass(frozen=True)
class HelpChoice:
    """What the user chose to do about the failure: retry, fix a field, or pin a certificate."""

    action: Literal["retry", "fix", "pin"]
    field: str | None = None
    pin: str | None = None


class ErrorHelpScreen(ReportsWorkerFailures, Screen[HelpChoice]):
    """Shows a :class:`Diagnosis`, or runs the doctor first (live steps) when given a runner."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retry", "Retry", id=ids.RETRY),
        Binding("f", "fix", "Fix setting", id=ids.FIX),
        Binding("t", "pin", "Trust cert", id=ids.PIN),
        Binding("s", "save_report", "Save report", id=ids.SAVE_REPORT),
        Binding("c", "copy_report", "Copy", id=ids.COPY_REPORT),
        Binding("escape", "close", "Close", id=ids.CLOSE),
        # The help is longer than a small terminal: the keys scroll it wherever focus is
        # (buttons use only enter and space).
        Binding("up", "scroll_help('scroll_up')", show=False),
        Binding("down", "scroll_help('scroll_down')", show=False),
        Binding("pageup", "scroll_help('scroll_page_up')", show=False),
        Binding("pagedown", "scroll_help('scroll_page_down')", show=False),
        Binding("home", "scroll_help('scroll_home')", show=False),
        Binding("end", "scroll_help('scroll_end')", show=False),
    ]

    def __init__(
        self,
        diagnosis: Diagnosis | None = None,
        *,
        request: Any = None,
        can_fix: bool = False,
        runner: DiagnosisRunner | None = None,
        subject: str = "",
        profile_name: str | None = None,
    ) -> None:
        super().__init__()
        self.profile_name = profile_name
        self.diagnosis = diagnosis
        self.request = request
        self.can_fix = can_fix
        self.runner = runner
        self.subject = subject
        self.running = False
        self.doctor_runs = 0
        self.doctor_cancel: threading.Event | None = None

    @property
    def exsync(self) -> ExsyncApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        """Topic sections, steps and the action buttons."""
        yield Header()
        with VerticalScroll(id="help-body"):
            yield Label("", id="help-title", classes="screen-title")
            yield Static("", id="help-topic-id", classes="muted")
            yield Label("Connection problems", classes="section-title", id="explain-title")
            yield Static("", id="help-explanation")
            yield Label("What to try", classes="section-title", id="advice-title")
            yield Static("", id="help-advice")
            yield Label("Certificate", classes="section-title", id="cert-title")
            yield Static("", id="help-certificate")
            # The steps before the admin text: they show where it failed, a user's next read.
            yield Label("Steps", classes="section-title", id="steps-title")
            yield StepList(id="help-steps")
            yield Label("Talk to your Exchange admin", classes="section-title", id="admin-title")
            yield Static("", id="help-admin")
            yield Label("Additional help", classes="section-title", id="additional-title")
            shell = (
                f"`exsync diagnose {self.profile_name}`"
                if self.profile_name
                else "`exsync diagnose` with the mailbox's name"
            )
            yield Static(
                "Save the report (s) or copy it (c) and send it to your administrator: "
                f"it leaves out passwords and tokens. From a shell, {shell} runs the same "
                "checks.",
                id="help-additional",
            )
        with Horizontal(classes="button-row", id="help-buttons"):
            yield Button("Retry", id="retry", variant="primary", compact=True)
            yield Button("Fix setting", id="fix", compact=True)
            yield Button("Trust cert", id="pin", compact=True)
            yield Button("Save report", id="save_report", compact=True)
            yield Button("Copy", id="copy_report", compact=True)
            yield Button("Close", id="close", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the diagnosis, or start the doctor."""
        if self.diagnosis is not None:
            self.show_diagnosis(self.diagnosis)
        elif self.runner is not None:
            self._run_doctor()

    # ------------------------------------------------------------------ showing

    def show_diagnosis(self, diagnosis: Diagnosis) -> None:
        """Fill every section from ``diagnosis`` (its advice naming the mailbox when known)."""
        diagnosis = personalised(diagnosis, self.profile_name)
        self.diagnosis = diagnosis
        self.running = False
        topic = diagnosis.topic
        prefix = f"{self.subject}: " if self.subject else ""
        if diagnosis.ok:
            title = f"✓ {prefix}everything works"
        elif topic is not None:
            title = f"✗ {prefix}{topic.title}"
        else:
            title = f"✗ {prefix}the connection failed"
        self.query_one("#help-title", Label).update(title)
        self.query_one("#help-topic-id", Static).update(f"help topic: {topic.id}" if topic else "")
        self._section("explain", topic.explanation if topic else "")
        self._section("advice", "\n".join(f"• {line}" for line in topic.advice) if topic else "")
        self._section("admin", topic.admin if topic else "")
        sha = self.certificate_sha256
        cert_text = ""
        if sha:
            trust = (
                "Compare it with the one your administrator gives you before trusting it (t)."
                if self.offers_pin
                else ""
            )
            cert_text = (
                f"The server showed a certificate with the SHA-256 fingerprint\n"
                f"{fingerprint_lines(sha)}\n{trust}"
            ).rstrip()
        self._section("cert", cert_text, body_id="help-certificate")
        self.query_one("#help-steps", StepList).show(diagnosis.steps)
        self.query_one("#help-body").scroll_home(animate=False)
        self._update_buttons()

    def on_steps_updated(self, message: StepsUpdated) -> None:
        """Show the doctor's steps live."""
        if self.running and message.attempt == self.doctor_runs:
            self.query_one("#help-steps", StepList).show(message.steps)

    def _section(self, name: str, text: str, *, body_id: str | None = None) -> None:
        body = self.query_one(
            f"#{body_id or {'explain': 'help-explanation'}.get(name, f'help-{name}')}", Static
        )
        body.update(text)
        body.display = bool(text)
        self.query_one(f"#{name}-title").display = bool(text)

    @property
    def certificate_sha256(self) -> str | None:
        """The fingerprint the diagnosis offers to pin, if any."""
        if self.diagnosis is None:
            return None
        return self.diagnosis.facts.get("certificate_sha256") or None

    @property
    def offers_pin(self) -> bool:
        """Trusting the certificate is offered only when it is why connecting failed."""
        from exsync_tui.core.connect.pipeline import CERTIFICATE_TOPICS

        diagnosis = self.diagnosis
        return (
            diagnosis is not None
            and not diagnosis.ok
            and diagnosis.topic is not None
            # A changed certificate (pin mismatch) may be pinned anew, after comparing.
            and diagnosis.topic.id in CERTIFICATE_TOPICS | {"tls-pin-mismatch"}
            and self.certificate_sha256 is not None
        )

    @property
    def fix_field(self) -> str | None:
        """The setting the help topic suggests changing."""
        if self.diagnosis is None or self.diagnosis.topic is None:
            return None
        return self.diagnosis.topic.field

    def _update_buttons(self) -> None:
        for button_id in ("retry", "fix", "pin", "save_report", "copy_report"):
            button = self.query_one(f"#{button_id}", Button)
            button.display = bool(self.check_action(button_id, ()))
        field = self.fix_field
        if field:
            label = f"Fix {FIELD_LABELS.get(field, field)}"
            self.query_one("#fix", Button).label = label
            restyle_bindings(self, {ids.FIX}, description=label)
        self.refresh_bindings()
        focus = "#fix" if field and self.can_fix else "#retry"
        if not self.query_one(focus, Button).display:
            focus = "#close"
        self.query_one(focus, Button).focus()

    def action_scroll_help(self, how: str) -> None:
        """Scroll the help text (``how`` names the scroll method: scroll_up, scroll_end, …)."""
        body = self.query_one("#help-body", VerticalScroll)
        getattr(body, how)(animate=False)

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only what makes sense for this diagnosis."""
        if action in {"retry", "save_report", "copy_report"}:
            return (
                not self.running
                and self.diagnosis is not None
                and (action != "retry" or self.can_fix or self.runner is not None)
            )
        if action == "fix":
            return not self.running and self.can_fix and self.fix_field is not None
        if action == "pin":
            return not self.running and self.can_fix and self.offers_pin
        return True

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        """Buttons run the action of the same name (run_action is a coroutine: await it)."""
        if event.button.id:
            await self.run_action(event.button.id)

    def action_retry(self) -> None:
        """Run the doctor again, or let the connect screen retry."""
        if self.runner is not None:
            self._run_doctor()
        else:
            self.dismiss(HelpChoice("retry"))

    def action_fix(self) -> None:
        """Open the advanced settings at the field the topic names."""
        if self.fix_field:
            self.dismiss(HelpChoice("fix", field=self.fix_field))

    def action_pin(self) -> None:
        """Show the fingerprint again and pin it if the user agrees."""
        from exsync_tui.ui.screens.confirm import ConfirmDialog

        sha = self.certificate_sha256
        if not sha:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(HelpChoice("pin", pin=sha))

        self.app.push_screen(
            ConfirmDialog(
                "Trust this certificate?",
                f"SHA-256\n{fingerprint_lines(sha)}\n\nexsync will accept this one "
                "certificate for this mailbox, and refuse any other.",
                yes="Trust it",
                no="Don't",
            ),
            answered,
        )

    def action_save_report(self) -> None:
        """Ask where, then write the redacted report there."""
        from exsync_tui.ui.report import save_report_interactively

        if self.diagnosis is not None:
            save_report_interactively(self, self.diagnosis, self.request)

    def action_copy_report(self) -> None:
        """Put the redacted report on the clipboard (OSC 52)."""
        from exsync_tui.ui.report import report_text

        if self.diagnosis is not None:
            self.app.copy_to_clipboard(report_text(self.diagnosis, self.request))
            self.notify("Report copied (terminals that allow OSC 52 pass it on).")

    def action_close(self) -> None:
        """Back, cancelling a doctor run still in progress."""
        from exsync_tui.ui.report import cancel_doctor

        cancel_doctor(self)
        self.dismiss(None)

    def _run_doctor(self) -> None:
        from exsync_tui.ui.report import run_doctor

        self.running = True
        self.query_one("#help-title", Label).update(
            f"… Diagnosing {self.subject} (escape cancels)" if self.subject else "… Diagnosing"
        )
        for name in ("explain", "advice", "admin", "cert"):
            self._section(name, "", body_id="help-certificate" if name == "cert" else None)
        self.query_one("#help-steps", StepList).clear()
        self._update_buttons()
        run_doctor(self)
