"""A labelled form field with a hint and a live verdict line."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Static


class FieldRow(Vertical):
    """Label and input on one line; below them a hint and the verdict of the latest check.

    The verdict always starts with a word or symbol ("✓", "✗"), so a problem is
    visible without colour.
    """

    DEFAULT_CLASSES = "field-row"

    def __init__(self, label: str, field: Widget, *, hint: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self._label = label
        self._field = field
        self._hint = hint

    @classmethod
    def text(
        cls, label: str, field_id: str, value: str, placeholder: str, *, hint: str = ""
    ) -> FieldRow:
        """A row with a one-line text input, ``#field_id``, in a row ``#field_id-row``."""
        field = Input(value, placeholder=placeholder, id=field_id, compact=True)
        return cls(label, field, hint=hint, id=f"{field_id}-row")

    def compose(self) -> ComposeResult:
        """Label and field, then the hint and the verdict."""
        with Horizontal(classes="field-line"):
            yield Label(self._label, classes="field-label")
            yield self._field
        if self._hint:
            yield Static(self._hint, classes="field-hint")
        yield Static("", classes="field-verdict")

    def show_verdict(self, text: str, *, ok: bool) -> None:
        """Show the outcome of checking the field's value (empty text hides it)."""
        verdict = self.query_one(".field-verdict", Static)
        verdict.update(text)
        verdict.set_class(not ok, "-invalid")
        verdict.set_class(ok, "-valid")
        verdict.display = bool(text)
        self.set_class(not ok, "-invalid")
