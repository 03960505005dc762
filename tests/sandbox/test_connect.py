"""exchangelib, unmodified, connects to the sandbox over verified HTTPS with Basic and NTLM."""

from __future__ import annotations

import pytest
from exchangelib import BASIC, NTLM
from exchangelib.errors import UnauthorizedError

from exsync_tui.sandbox import Sandbox
from tests.sandbox.helpers import account_for


@pytest.mark.parametrize("auth_type", [BASIC, NTLM])
@pytest.mark.parametrize("login", ["username", "email"])
def test_manual_configuration_signs_in_and_opens_the_well_known_folders(
    sandbox: Sandbox, sandbox_trust: None, auth_type: str, login: str
) -> None:
    user = sandbox.info.users[0]
    account = account_for(
        sandbox, auth_type=auth_type, username=user.username if login == "username" else user.email
    )
    assert account.root.name == "root" or account.root.id
    assert account.inbox.name == "Inbox"
    assert account.calendar.name == "Calendar"
    log = [e for e in sandbox.control.request_log() if e["status"] == 200]
    assert any(e["auth"] == ("NTLM" if auth_type == NTLM else "Basic") for e in log)


def test_version_guessing_finds_exchange_2016_schema(sandbox: Sandbox, sandbox_trust: None) -> None:
    account = account_for(sandbox)
    assert account.version.build.major_version == 15
    assert account.version.api_version == "Exchange2016"


@pytest.mark.parametrize("auth_type", [BASIC, NTLM])
def test_wrong_password_is_one_401_without_a_retry_storm(
    fresh_sandbox, sandbox_trust: None, auth_type: str
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    account = account_for(sandbox, auth_type=auth_type, password="wrong")
    with pytest.raises(UnauthorizedError):
        account.root  # noqa: B018 - the property access is the request
    unauthorized = [e for e in sandbox.control.request_log() if e["status"] == 401]
    successes = [e for e in sandbox.control.request_log() if e["status"] == 200]
    assert not successes
    # One NTLM attempt is three requests: anonymous, negotiate, authenticate.
    assert len(unauthorized) == (1 if auth_type == BASIC else 3)
