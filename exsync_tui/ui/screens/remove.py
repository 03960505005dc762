"""Confirming the removal of a mailbox, with the choice to purge its data and secrets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Label, Static

from exsync_tui.ui.screens.base import Dialog
from exsync_tui.ui.widgets.tick_box import TickBox


@dataclass(frozen=True)
class RemoveChoice:
    """The user confirmed; ``purge`` also deletes local mail, calendars, state and secrets."""

    purge: bool


class RemoveDialog(Dialog[RemoveChoice]):
    """Asks before removing a mailbox; "Keep" is focused first."""

    # Focused by Textual once the dialog is active (see ConfirmDialog.AUTO_FOCUS).
    AUTO_FOCUS = "#keep"

    def __init__(self, name: str, mail_dir: str) -> None:
        super().__init__()
        self._name = name
        self._mail_dir = mail_dir

    def compose(self) -> ComposeResult:
        """The question, the purge choice and the two buttons."""
        with Vertical(classes="dialog-box"):
            yield Label(f"Remove the mailbox {self._name!r}?", classes="dialog-title")
            yield Static(
                "Its settings leave the config. Synced mail stays on disk unless you "
                "also purge it.",
                classes="dialog-body",
            )
            yield TickBox(
                "Also delete its local mail, calendars, state and password",
                id="purge",
                compact=True,
            )
            yield Static(f"Mail folder: {_home_as_tilde(self._mail_dir)}", classes="dialog-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Keep", id="keep", compact=True)
                yield Button("Remove", id="remove", variant="error", compact=True)
        yield Footer(compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Dismiss with the choice, or with None for "Keep"."""
        if event.button.id == "remove":
            self.dismiss(RemoveChoice(purge=self.query_one("#purge", TickBox).value))
        else:
            self.dismiss(None)


def _home_as_tilde(path: str) -> str:
    """The path with the home directory written as ``~``, as people write it."""
    home = str(Path.home())
    return "~" + path[len(home) :] if path == home or path.startswith(home + "/") else path
