"""The `?` dialog: every key of the current screen, the keys every screen shares, and
where the config file to remap them is."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Label, Static

from exsync_tui.ui.screens.base import Dialog

COMMON_KEYS = (
    "↑/↓          move in lists; scroll help and logs (also page up/down)",
    "enter        open the selected row; press the focused button",
    "tab          next field or button (shift+tab: back)",
    "escape       close a dialog; cancel a running connect or sync",
    "ctrl+p       command palette (type e.g. sync, help)",
)
"""Keys that belong to every list, field and dialog, so no screen's bindings list them."""


class KeysHelpDialog(Dialog[None]):
    """Lists the keys of the screen underneath, with their binding ids for ``[ui.keymap]``."""

    def __init__(self, lines: list[str], config_path: Path | None = None) -> None:
        super().__init__()
        self._lines = lines
        self._config_path = config_path

    def compose(self) -> ComposeResult:
        """The title, the key table, the shared keys and how to remap."""
        where = f"Your config file: {self._config_path}\n" if self._config_path else ""
        with Vertical(classes="dialog-box wide"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static("\n".join(self._lines), id="keys-table")
                yield Static(
                    f"{where}Remap a key there, e.g. "
                    '[ui.keymap] "dashboard.add" = "n". escape closes this list.',
                    id="keys-config",
                    classes="dialog-note",
                    markup=False,
                )
                yield Static("\n".join(COMMON_KEYS), id="keys-common", classes="dialog-note")
        yield Footer(compact=True)
