"""The command palette's dashboard actions: add, sync all, and sync/edit/diagnose/remove each."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from exsync_tui.ui.app import ExsyncApp


class MailboxCommands(Provider):
    """Offers "Add a mailbox", "Sync all" and, per mailbox, sync / edit / diagnose / remove."""

    def _commands(self) -> list[tuple[str, str, object]]:
        from exsync_tui.ui.flows import diagnose_profile, remove_profile, start_sync
        from exsync_tui.ui.screens.connect import ConnectScreen

        app: ExsyncApp = self.app  # type: ignore[assignment]
        commands: list[tuple[str, str, object]] = [
            ("Add a mailbox", "Connect a new mailbox", lambda: app.push_screen(ConnectScreen())),
            (
                "Sync all mailboxes",
                "Copy mail and calendars of every enabled mailbox",
                lambda: start_sync(app, list(app.config.profiles.values())),
            ),
        ]
        for profile in app.config.profiles.values():
            if profile.enabled:
                commands.append(
                    (
                        f"Sync {profile.name}",
                        f"Copy the mail and calendars of {profile.email}",
                        partial(start_sync, app, [profile]),
                    )
                )
            commands += [
                (
                    f"Edit {profile.name}",
                    f"Change how {profile.email} connects",
                    lambda p=profile: app.push_screen(ConnectScreen(p)),
                ),
                (
                    f"Diagnose {profile.name}",
                    f"Check step by step how {profile.email} connects",
                    partial(diagnose_profile, app, profile),
                ),
                (
                    f"Remove {profile.name}",
                    "Remove the mailbox (asks first; can purge local data)",
                    partial(remove_profile, app, profile),
                ),
            ]
        return commands

    async def discover(self) -> Hits:
        """Every command, before anything is typed."""
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        """Commands whose title matches what was typed."""
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)  # type: ignore[arg-type]
