"""A masked input whose content never reaches the clipboard."""

from __future__ import annotations

from typing import ClassVar

from textual.widgets import Input


class PasswordInput(Input):
    """An ``Input`` that is always masked and refuses to copy or cut its value.

    Copy does nothing and says why; cut deletes the selection without copying
    it, so a password never lands on the (possibly remote, OSC 52) clipboard.
    """

    ALLOW_SELECT: ClassVar[bool] = False

    def __init__(self, *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, password=True, id=id, compact=True)

    def action_copy(self) -> None:
        """Refuse: passwords are never put on the clipboard."""
        self.notify("Passwords are never copied to the clipboard.", severity="warning")

    def action_cut(self) -> None:
        """Delete the selection without copying it."""
        self.delete_selection()
