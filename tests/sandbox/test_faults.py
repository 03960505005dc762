"""Injected faults surface as the exchangelib exceptions a real server would cause."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
import requests
from exchangelib.errors import (
    ErrorAccessDenied,
    ErrorInvalidSyncStateData,
    ErrorNonExistentMailbox,
    ErrorServerBusy,
    ErrorTimeoutExpired,
    MalformedResponseError,
    TransportError,
    UnauthorizedError,
)

from exsync_tui.sandbox.faults import FaultSpecError, parse_faults
from tests.sandbox.helpers import account_for

CASES = [
    ("busy:1500*1/GetFolder", ErrorServerBusy),
    ("503*1/GetFolder", ErrorServerBusy),
    ("500*1/GetFolder", MalformedResponseError),
    ("drop*1/GetFolder", ErrorTimeoutExpired),
    ("truncate*1/GetFolder", TransportError),
    ("password_expired*1/GetFolder", UnauthorizedError),
]


@pytest.mark.parametrize(("spec", "expected"), CASES)
def test_fault_raises_the_matching_exchangelib_error(
    fresh_sandbox: Any, sandbox_trust: None, spec: str, expected: type[Exception]
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0, faults=spec)
    with pytest.raises(expected):
        account_for(sandbox).root  # noqa: B018 - the property access is the request
    # The rule was for one request only: the next one succeeds.
    assert account_for(sandbox).root.id


def test_server_busy_carries_the_back_off(fresh_sandbox: Any, sandbox_trust: None) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    sandbox.control.inject_fault("busy:2500*1/GetFolder")
    with pytest.raises(ErrorServerBusy) as raised:
        account_for(sandbox).root  # noqa: B018
    assert raised.value.back_off == 2.5


def test_invalid_sync_state_fault_hits_only_sync_operations(
    fresh_sandbox: Any, sandbox_trust: None
) -> None:
    sandbox = fresh_sandbox(messages=2, events=0, faults="invalid_sync_state*1")
    account = account_for(sandbox)
    assert account.inbox.name == "Inbox"  # GetFolder is not hit
    with pytest.raises(ErrorInvalidSyncStateData):
        list(account.inbox.sync_items())


def test_rate_rules_hit_about_that_fraction_reproducibly() -> None:
    from exsync_tui.sandbox.faults import FaultInjector

    hits = []
    for _ in range(2):
        injector = FaultInjector(seed=7)
        injector.add("500@0.25")
        hits.append([injector.pick("GetItem") is not None for _ in range(400)])
    assert hits[0] == hits[1]
    assert 60 < sum(hits[0]) < 140


@pytest.mark.parametrize("bad", ["nope", "500@2", "busy:x", "500*1/Get-Item"])
def test_bad_fault_specs_are_rejected(bad: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_faults(bad)


def test_hung_request_is_released_when_the_sandbox_stops(fresh_sandbox: Any) -> None:
    sandbox = fresh_sandbox(messages=1, events=0, faults="hang*1")
    user = sandbox.info.users[0]
    outcome: dict[str, Any] = {}

    def call() -> None:
        try:
            requests.post(
                sandbox.info.ews_url,
                data=_GET_INBOX,
                auth=(user.username, user.password),
                verify=sandbox.info.ca_file,
                timeout=60,
                headers={"Content-Type": "text/xml; charset=utf-8"},
            )
            outcome["result"] = "answered"
        except requests.ConnectionError:
            outcome["result"] = "closed"

    thread = threading.Thread(target=call)
    thread.start()
    assert sandbox.control.wait_for_request(lambda e: e["action"] == "hang")
    sandbox.stop()
    # A hang guard (the request's own timeout is 60 s); "closed" says stop() ended it.
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert outcome["result"] == "closed"


def test_hung_request_is_released_when_faults_are_cleared(fresh_sandbox: Any) -> None:
    sandbox = fresh_sandbox(messages=1, events=0, faults="hang*1")
    user = sandbox.info.users[0]
    finished = threading.Event()

    def call() -> None:
        with contextlib.suppress(requests.ConnectionError):
            requests.post(
                sandbox.info.ews_url,
                data=_GET_INBOX,
                auth=(user.username, user.password),
                verify=sandbox.info.ca_file,
                timeout=60,
            )
        finished.set()

    thread = threading.Thread(target=call)
    thread.start()
    assert sandbox.control.wait_for_request(lambda e: e["action"] == "hang")
    sandbox.control.clear_faults()
    assert finished.wait(timeout=10)
    thread.join()


def test_ews_disabled_mailbox_answers_access_denied(
    fresh_sandbox: Any, sandbox_trust: None
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    sandbox.control.set_ews_disabled(sandbox.info.users[0].email, True)
    with pytest.raises(ErrorAccessDenied, match="EWS is disabled"):
        account_for(sandbox).root  # noqa: B018


def test_unknown_mailbox_answers_non_existent_mailbox(sandbox: Any, sandbox_trust: None) -> None:
    from exchangelib import BASIC, DELEGATE, Account, Configuration, Credentials

    user = sandbox.info.users[0]
    config = Configuration(
        service_endpoint=sandbox.info.ews_url,
        credentials=Credentials(user.username, user.password),
        auth_type=BASIC,
    )
    account = Account(
        f"nobody@{sandbox.info.domain}", access_type=DELEGATE, autodiscover=False, config=config
    )
    with pytest.raises(ErrorNonExistentMailbox):
        account.root  # noqa: B018


def test_modern_auth_only_mailbox_answers_bearer_only(fresh_sandbox: Any) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    user = sandbox.info.users[0]
    sandbox.control.set_modern_auth_only(user.email, True)
    for url in (sandbox.info.ews_url, sandbox.info.autodiscover_url):
        response = requests.post(
            url,
            data=_GET_INBOX,
            auth=(user.email, user.password),
            verify=sandbox.info.ca_file,
            timeout=10,
        )
        assert response.status_code == 401
        challenges = response.raw.headers.getlist("WWW-Authenticate")
        assert len(challenges) == 1 and challenges[0].startswith("Bearer ")


_GET_INBOX = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
    b'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
    b'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
    b'<s:Header><t:RequestServerVersion Version="Exchange2016"/></s:Header><s:Body>'
    b"<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
    b'<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>'
    b"</s:Body></s:Envelope>"
)


def test_a_rule_can_aim_at_one_mailbox_and_pass_lets_the_first_requests_through() -> None:
    from exsync_tui.sandbox.faults import FaultInjector

    injector = FaultInjector(seed=1)
    injector.add("pass*2/GetItem~dave;busy:600000*1/GetItem~dave")
    assert injector.pick("GetItem", "alice@example.com") is None  # another mailbox
    kinds = [injector.pick("GetItem", "dave@example.com") for _ in range(4)]
    assert [rule.kind if rule else None for rule in kinds] == ["pass", "pass", "busy", None]
    injector.add("drop*1~carol@example.com")
    assert injector.pick("SyncFolderItems", "Carol@Example.com").kind == "drop"  # type: ignore[union-attr]
