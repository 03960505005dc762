"""The Textual application."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class ExsyncApp(App[None]):
    """exsync's terminal UI."""

    TITLE = "exsync"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("exsync: the dashboard is not built yet.")
        yield Footer()


def run_tui() -> int:
    """Run the TUI until the user quits."""
    ExsyncApp().run()
    return 0
