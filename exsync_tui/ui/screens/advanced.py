"""Advanced settings: username, server, auth, TLS trust and host mapping, checked as typed."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Input, Label, Select

from exsync_tui.core.profiles import AuthType
from exsync_tui.core.profiles import validate as checks
from exsync_tui.ui import binding_ids as ids
from exsync_tui.ui.connect_m365 import CLIENT_ID_PLACEHOLDER
from exsync_tui.ui.forms import AdvancedSettings
from exsync_tui.ui.presenters import fingerprint_with_colons
from exsync_tui.ui.screens.base import Dialog
from exsync_tui.ui.widgets.field_row import FieldRow

AUTH_CHOICES = (
    ("Automatic (what the server offers)", AuthType.AUTO),
    ("NTLM (Windows sign-in)", AuthType.NTLM),
    ("Basic (password over TLS)", AuthType.BASIC),
    ("OAuth (modern auth)", AuthType.OAUTH),
)

SOURCE_WORDS = {
    "host": "from the host name",
    "ews_url": "the EWS URL as given",
    "owa_url": "from the Outlook Web App address",
}

FIELD_IDS = ("username", "server", "auth", "ca_file", "pin_sha256", "connect_to")
M365_FIELDS = ("tenant", "client_id", "authority", "graph_url")
EWS_ONLY = ("username", "server", "auth")
"""Rows a Microsoft 365 mailbox does without: Graph signs in with OAuth at fixed hosts."""
FIELD_NAMES = {
    "pin_sha256": "pin",
    "connect_to": "host map",
    "client_id": "client id",
    "graph_url": "Graph URL",
    "authority": "authority URL",
}


class AdvancedSettingsDialog(Dialog[AdvancedSettings]):
    """Edits :class:`AdvancedSettings`; each field says right away what is wrong with it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id=ids.SAVE),
    ]

    def __init__(
        self,
        settings: AdvancedSettings,
        *,
        focus_field: str | None = None,
        office365: bool = False,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.office365 = office365
        shown = self._fields()
        self.focus_field = focus_field if focus_field in shown else None

    def _fields(self) -> tuple[str, ...]:
        """The rows this mailbox kind uses, in order."""
        if self.office365:
            return M365_FIELDS + tuple(f for f in FIELD_IDS if f not in EWS_ONLY)
        return FIELD_IDS

    def compose(self) -> ComposeResult:
        """One row per setting, then Save and Cancel."""
        s = self.settings
        with Vertical(classes="dialog-box tall"):
            yield Label("Advanced settings", classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                if self.office365:
                    yield from m365_rows(s)
                yield FieldRow.text(
                    "Username", "username", s.username, "user@domain.com or DOMAIN\\user",
                    hint="Usually your Windows login. Empty: the email address.",
                )  # fmt: skip
                yield FieldRow.text(
                    "Server", "server", s.server, "e.g. mail.example.com",
                    hint="Host, EWS URL or Outlook Web App address. Empty: autodiscover.",
                )  # fmt: skip
                yield FieldRow(
                    "Sign-in",
                    Select(AUTH_CHOICES, value=s.auth, allow_blank=False, id="auth", compact=True),
                    id="auth-row",
                )
                yield FieldRow.text(
                    "CA file", "ca_file", s.ca_file, "e.g. ~/company-ca.pem",
                    hint="Trust a private certificate authority (PEM).",
                )  # fmt: skip
                yield FieldRow.text(
                    "Pin", "pin_sha256", s.pin_sha256, "SHA-256 fingerprint",
                    hint="Trust exactly one certificate, by its SHA-256 fingerprint.",
                )  # fmt: skip
                yield FieldRow.text(
                    "Host map", "connect_to", ", ".join(s.connect_to), "HOST:PORT:ADDR:PORT, …",
                    hint="connect-to rules, e.g. mail.example.com:443:127.0.0.1:8443",
                )  # fmt: skip
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Save", id="save", variant="primary", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Check what is already there, and focus the field the error help pointed at."""
        if self.office365:
            for field in EWS_ONLY:
                self.query_one(f"#{field}-row").display = False
        for field in self._fields():
            if field != "auth":
                self._check(field, self.query_one(f"#{field}", Input).value)
        target = self.query_one(f"#{self.focus_field or self._fields()[0]}")
        target.focus()
        if self.focus_field:
            row = self.query_one(f"#{self.focus_field}-row", FieldRow)
            row.add_class("-suggested")
            self.call_after_refresh(row.scroll_visible, animate=False)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Validate the field that changed."""
        if event.input.id:
            self._check(event.input.id, event.value)
            row = self.query_one(f"#{event.input.id}-row", FieldRow)
            self.call_after_refresh(row.scroll_visible, animate=False)

    def _check(self, field: str, value: str) -> bool:
        """Show the verdict for ``field``; True when the value can be used."""
        row = self.query_one(f"#{field}-row", FieldRow)
        text = value.strip()
        if not text:
            row.show_verdict("", ok=True)
            return True
        try:
            verdict = self._verdict(field, text)
        except ValueError as error:
            hint = getattr(error, "hint", None)
            row.show_verdict(f"✗ {error}" + (f" ({hint})" if hint else ""), ok=False)
            return False
        row.show_verdict(verdict, ok=True)
        return True

    def _verdict(self, field: str, text: str) -> str:
        """The ✓ line for a good value; raises ValueError with the reason for a bad one."""
        if field == "username":
            checks.username(text)
            return ""
        if field == "server":
            from exsync_tui.core.connect import normalise_server

            spec = normalise_server(text)
            return f"✓ {spec.ews_url} ({SOURCE_WORDS.get(spec.source, spec.source)})"
        if field == "pin_sha256":
            return "✓ " + fingerprint_with_colons(checks.pin_sha256(text))
        if field == "connect_to":
            for rule in _split_rules(text):
                checks.connect_to(rule)
            return ""
        if field == "ca_file":
            self._check_ca_file(text)
            return ""
        if field in M365_FIELDS:
            from exsync_tui.core.profiles import office365

            checked = getattr(office365, field)(text)
            return f"✓ {checked}" if field == "client_id" and checked != text else ""
        return ""

    @work(thread=True, exclusive=True, group="ca-file-check", exit_on_error=False)
    def _check_ca_file(self, text: str) -> None:
        # A stat can hang on a dead network mount, so it runs off the UI thread.
        path = Path(text).expanduser()
        exists = path.is_file()
        verdict = "" if exists else f"✗ no file at {path}"
        self.app.call_from_thread(self._show_ca_verdict, text, verdict)

    def _show_ca_verdict(self, text: str, verdict: str) -> None:
        if self.query_one("#ca_file", Input).value.strip() == text:
            self.query_one("#ca_file-row", FieldRow).show_verdict(verdict, ok=not verdict)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Save or cancel."""
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    def action_save(self) -> None:
        """Return the settings, unless a field is wrong (then focus it)."""
        fields = [f for f in self._fields() if f != "auth"]
        values = {f: self.query_one(f"#{f}", Input).value.strip() for f in fields}
        for field, value in values.items():
            if not self._check(field, value):
                self.query_one(f"#{field}", Input).focus()
                name = FIELD_NAMES.get(field, field.replace("_", " "))
                self.notify(f"Fix the {name} first.", severity="warning")
                return
        auth = self.query_one("#auth", Select).value
        kept = self.settings
        self.dismiss(
            AdvancedSettings(
                username=values.get("username", kept.username),
                server=values.get("server", kept.server),
                auth=auth if isinstance(auth, AuthType) else AuthType.AUTO,
                ca_file=values["ca_file"],
                pin_sha256=values["pin_sha256"],
                connect_to=tuple(_split_rules(values["connect_to"])),
                tenant=values.get("tenant", kept.tenant),
                client_id=values.get("client_id", kept.client_id),
                authority=values.get("authority", kept.authority),
                graph_url=values.get("graph_url", kept.graph_url),
            )
        )


def _split_rules(text: str) -> list[str]:
    return [rule.strip() for rule in text.replace(";", ",").split(",") if rule.strip()]


def m365_rows(s: AdvancedSettings) -> ComposeResult:
    """The Microsoft 365 rows: tenant, client id, and the hosts of national clouds."""
    yield FieldRow.text(
        "Tenant", "tenant", s.tenant, "organizations",
        hint="Empty: organizations. Or your tenant id (a GUID) or domain.",
    )  # fmt: skip
    yield FieldRow.text(
        "Client id", "client_id", s.client_id, CLIENT_ID_PLACEHOLDER,
        hint="Your organisation's registration of exsync. Empty: config's [office365].",
    )  # fmt: skip
    yield FieldRow.text(
        "Authority", "authority", s.authority, "https://login.microsoftonline.com/TENANT",
        hint="Sign-in address. Empty: Microsoft's public cloud with the tenant.",
    )  # fmt: skip
    yield FieldRow.text(
        "Graph URL", "graph_url", s.graph_url, "https://graph.microsoft.com",
        hint="Empty: https://graph.microsoft.com (national clouds use their own).",
    )  # fmt: skip
