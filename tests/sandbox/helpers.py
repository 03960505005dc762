"""Helpers for the sandbox tests: an exchangelib account for a sandbox user."""

from __future__ import annotations

from exchangelib import BASIC, DELEGATE, Account, Configuration, Credentials

from exsync_tui.sandbox import Sandbox, SandboxUser


def account_for(
    sandbox: Sandbox,
    user: SandboxUser | None = None,
    auth_type: str = BASIC,
    password: str | None = None,
    username: str | None = None,
    version_guess: bool = True,
) -> Account:
    """An exchangelib Account with manual settings (no autodiscover), delegate access."""
    user = user or sandbox.info.users[0]
    credentials = Credentials(username or user.username, password or user.password)
    config = Configuration(
        service_endpoint=sandbox.info.ews_url, credentials=credentials, auth_type=auth_type
    )
    return Account(user.email, access_type=DELEGATE, autodiscover=False, config=config)
