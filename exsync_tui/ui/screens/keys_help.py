"""The `?` dialog: every key of the current screen, and where to remap them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Label, Static

from exsync_tui.ui.screens.base import Dialog


class KeysHelpDialog(Dialog[None]):
    """Lists the keys of the screen underneath, with their binding ids for ``[ui.keymap]``."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self._lines = lines

    def compose(self) -> ComposeResult:
        """The title, the key table and how to remap."""
        with Vertical(classes="dialog-box wide"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static("\n".join(self._lines), id="keys-table")
                yield Static(
                    "Remap a key in config.toml, e.g.\n"
                    '  [ui.keymap]\n  "dashboard.add" = "n"\n'
                    "ctrl+p opens the command palette; escape closes dialogs.",
                    classes="dialog-note",
                )
        yield Footer(compact=True)
