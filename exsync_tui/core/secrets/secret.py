"""A string that keeps its value out of reprs, logs of reprs and tracebacks with locals."""

from __future__ import annotations


class Secret(str):
    """A password or token cache: a real ``str`` (so libraries take it) that reprs as ``***``.

    ``str(secret)`` and formatting still give the value: only hand it to the code
    that needs it, never to a message.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')"

    def reveal(self) -> str:
        """The value as a plain ``str``, for the one place that sends it."""
        return str.__str__(self)
