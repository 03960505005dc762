"""A checkbox whose state reads without colour."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class TickBox(Checkbox):
    """Shows "X" when ticked and a blank when not (Textual's checkbox shows "X" in both
    states and tells them apart by colour alone, which NO_COLOR terminals lose)."""

    def render(self) -> Content:
        """The usual checkbox, with the mark following the value."""
        self.BUTTON_INNER = "X" if self.value else " "
        return super().render()
