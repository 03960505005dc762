"""The sandbox's token registry: what the authority issues, Graph accepts and tests revoke."""

from __future__ import annotations

import pytest

from exsync_tui.sandbox import Sandbox
from exsync_tui.sandbox.oauth_tokens import TokenRegistry
from exsync_tui.sandbox.store_ops import StoreError


def test_an_issued_token_resolves_to_its_mailbox_until_expired() -> None:
    registry = TokenRegistry()
    token = registry.issue_access("Alice@Example.com", ("Mail.ReadWrite",))
    grant = registry.resolve(token)
    assert grant is not None
    assert (grant.email, grant.scopes) == ("alice@example.com", ("Mail.ReadWrite",))
    assert registry.resolve(token + "x") is None
    assert registry.expire_access("alice@example.com") == 1
    assert registry.resolve(token) is None


def test_revoking_one_mailbox_leaves_the_others() -> None:
    registry = TokenRegistry()
    alice = registry.issue_access("alice@example.com")
    bob = registry.issue_access("bob@example.com")
    assert registry.revoke_access("ALICE@example.com") == 1
    assert registry.resolve(alice) is None
    assert registry.resolve(bob) is not None
    assert registry.expire_access() == 1
    assert registry.resolve(bob) is None


def test_the_control_api_issues_tokens_only_for_hosted_mailboxes(sandbox: Sandbox) -> None:
    email = sandbox.info.users[0].email
    token = sandbox.control.issue_access_token(email, lifetime_s=60)
    grant = sandbox.tokens.resolve(token)
    assert grant is not None and grant.email == email.lower()
    with pytest.raises(StoreError):
        sandbox.control.issue_access_token("nobody@example.com")
    assert sandbox.info.to_dict()["authority_url"].endswith("/organizations")
    sandbox.control.revoke_access_tokens(email)
    assert sandbox.tokens.resolve(token) is None
