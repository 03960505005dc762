"""The demo's hint panel, worded from the config as it is now."""

from __future__ import annotations

from dataclasses import dataclass

from exsync_tui.core.profiles import Config


@dataclass(frozen=True)
class DemoHint:
    """What to try in the demo; each line goes once done (the visitor's mailbox added, the
    mailbox "behind a VPN" fixed, the first mailbox synced). Short lines: it fits 60x20."""

    visitor_email: str
    visitor_password: str
    first: str
    broken: str = "branch-office"
    vpn_host: str = "branch.example.com"
    flaky: str | None = None
    """The mailbox whose first sync fails partway (the server goes busy)."""

    def __call__(self, config: Config) -> str:
        """The hint for ``config``."""
        lines = ["Demo: sandbox Exchange here, your settings untouched."]
        if config.by_email(self.visitor_email) is None:
            lines.append(f"Add (a): {self.visitor_email}  password {self.visitor_password}")
        broken = config.profiles.get(self.broken)
        if broken is not None and broken.server == self.vpn_host:
            lines.append(
                f"{self.broken} is 'behind a VPN': d shows why; f, then server "
                "mail.example.com, fixes it."
            )
        first = config.profiles.get(self.first)
        if first is not None and first.metadata.last_synced is None:
            lines.append(f"{self.first} was never synced: s syncs it (S: all; c cancels).")
        flaky = config.profiles.get(self.flaky) if self.flaky else None
        if flaky is not None and flaky.metadata.last_synced is None:
            lines.append(f"{self.flaky}: busy server mid-sync; s again recovers.")
        if len(lines) == 1:
            lines.append("S syncs every mailbox; v shows the last sync; q quits and cleans up.")
        return "\n".join(lines)
