"""A yes/no question: sending the password to a redirected server, pinning a certificate."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Label, Static

from exsync_tui.ui.screens.base import Dialog


class ConfirmDialog(Dialog[bool]):
    """Asks one question; ``True`` for yes, ``False`` (or ``None`` on escape) for no.

    The safe answer is focused first, so a stray ``enter`` never agrees.
    """

    # Textual focuses this once the dialog is active; an on_mount query could run
    # after a fast key press had already dismissed the dialog.
    AUTO_FOCUS = "#no"

    def __init__(
        self, title: str, body: str, *, yes: str = "Yes", no: str = "No", id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self._title = title
        self._body = body
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        """Title, question and the two answers."""
        with Vertical(classes="dialog-box"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._body, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._no, id="no", compact=True)
                yield Button(self._yes, id="yes", variant="warning", compact=True)
        yield Footer(compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Answer with the button pressed."""
        self.dismiss(event.button.id == "yes")
