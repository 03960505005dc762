"""Binding ids users can remap, and how the active keys are described.

Every binding has an id (``dashboard.add``); the config's ``[ui.keymap]`` table
maps ids to keys and is handed to :meth:`textual.app.App.set_keymap`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from textual.dom import DOMNode
from textual.screen import Screen

from exsync_tui.ui import binding_ids as ids

# The order in which the help dialog lists bindings; any others follow.
_HELP_ORDER = (
    ids.SYNC,
    ids.SYNC_ALL,
    ids.SHOW_SYNC,
    ids.ADD,
    ids.EDIT,
    ids.DIAGNOSE,
    ids.TOGGLE_ENABLED,
    ids.REMOVE,
    ids.HELP,
    ids.QUIT,
)


def describe_bindings(screen: Screen[object]) -> list[str]:
    """One line per shown binding of ``screen`` and the app: keys, what they do, binding id."""
    seen: dict[str, tuple[str, str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or not binding.id:
            continue
        keys, description = seen.get(binding.id, ("", binding.description))
        display = screen.app.get_key_display(binding)
        if display not in keys.split("/"):
            keys = f"{keys}/{display}" if keys else display
        seen[binding.id] = (keys, description)
        del key
    order = {binding_id: index for index, binding_id in enumerate(_HELP_ORDER)}
    lines = []
    for binding_id in sorted(seen, key=lambda item: (order.get(item, len(order)), item)):
        keys, description = seen[binding_id]
        lines.append(f"{keys:<12} {description:<26} {binding_id}")
    return lines


def keymap_for_textual(keymap: Mapping[str, str]) -> dict[str, str]:
    """The config's keymap as Textual wants it (ids to comma-separated keys)."""
    return {binding_id: keys.replace(" ", "") for binding_id, keys in keymap.items() if keys}


def restyle_bindings(node: DOMNode, binding_ids: Collection[str], **changes: Any) -> None:
    """Change how ``node``'s bindings with these ids show (``description``, ``show``).

    Each node holds its own copy of its bindings; the lists are replaced, not changed, as
    the class's copy may share them. Found by id, so a key remapped in ``[ui.keymap]``
    follows.
    """
    bindings = node._bindings.key_to_bindings
    for key, listed in list(bindings.items()):
        if any(binding.id in binding_ids for binding in listed):
            bindings[key] = [
                replace(binding, **changes) if binding.id in binding_ids else binding
                for binding in listed
            ]
