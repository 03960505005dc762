"""The URL check and the credential gate in the one HTTP adapter.

Pure functions first: whatever :func:`check_url` accepts, urllib3 (which opens
the connection) reads the same host. Then the gate itself, through real requests
and real exchangelib against the sandbox: a request with credentials to a host
no attempt granted is refused before a byte is sent, whichever code sends it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from exchangelib.errors import TransportError
from urllib3.util import parse_url

from exsync_tui.core.connect.session import (
    BudgetRetryPolicy,
    build_account,
    close_all_connections,
)
from exsync_tui.core.diagnose.classify import classify
from exsync_tui.core.net import ExsyncHTTPAdapter, HostPolicy, applied, parse_connect_to_list
from exsync_tui.core.net.credentials import (
    CredentialGrants,
    credentials_scope,
    guard_credentials,
)
from exsync_tui.core.net.errors import CredentialsRefusedError
from exsync_tui.core.net.urls import UnsafeAddressError, check_url, wire_host
from exsync_tui.sandbox import Sandbox
from tests.connect.confusables import ATTACKER, confusable_urls

# Characters that URL parsers treat differently, inserted everywhere in a simple URL.
_ODD = "\\@#?/;:%[]. \t\x00\x7f\u3002\uff0e\uff20\u2044\u200b&!$'()*+,=~_"
_BASE = "https://mail.example.com:443/EWS/Exchange.asmx"


def _mutations() -> list[str]:
    out = []
    for position, char in itertools.product(range(8, 30), _ODD):
        out.append(_BASE[:position] + char + _BASE[position:])
    for first, second in itertools.product("\\@#?/%", repeat=2):
        out.append(f"https://{ATTACKER}{first}{second}mail.example.com/")
    return out


@pytest.mark.parametrize("chunk", range(8))
def test_whatever_check_url_accepts_urllib3_connects_to_the_same_host(chunk: int) -> None:
    urls = _mutations() + confusable_urls("mail.example.com", "/EWS/Exchange.asmx")
    accepted = 0
    for url in urls[chunk::8]:
        try:
            checked = check_url(url)
        except UnsafeAddressError:
            continue
        accepted += 1
        assert wire_host(url) == checked.host, url
        assert (parse_url(url).port or 443) == checked.port, url
        assert check_url(checked.url) == checked, url
    assert accepted > 0  # the corpus also holds harmless variants, which must still pass


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"https://{ATTACKER}\\@autodiscover.example.com/", "backslash"),
        (f"https://{ATTACKER}@example.com/", "user name"),
        ("https://exa mple.com/", "space"),
        ("https://example.com\x00.evil/", "control"),
        ("https://ex\u3002ample.com/", "ASCII"),
        ("ftp://example.com/", "https://"),
        ("https://example.com:99999/", "port"),
        ("https://-bad-.example.com/", "host name"),
    ],
)
def test_check_url_names_the_reason(url: str, reason: str) -> None:
    with pytest.raises(UnsafeAddressError) as raised:
        check_url(url)
    assert reason in raised.value.reason


def test_grants_cover_subdomains_but_not_lookalikes_and_are_counted() -> None:
    grants = CredentialGrants()
    headers = {"Authorization": "Basic eDp5"}
    with credentials_scope(["example.com"], grants), credentials_scope(["example.com"], grants):
        guard_credentials("https://mail.example.com/EWS/Exchange.asmx", headers, grants)
        for url in ("https://badexample.com/", "https://example.com.evil.test/"):
            with pytest.raises(CredentialsRefusedError):
                guard_credentials(url, headers, grants)
    with pytest.raises(CredentialsRefusedError):
        guard_credentials("https://example.com/", headers, grants)
    guard_credentials("https://anywhere.test/", {"Accept": "*/*"}, grants)  # no credentials


def test_no_password_over_plain_http_except_to_this_machine() -> None:
    grants = CredentialGrants()
    headers = {"authorization": "Basic eDp5"}
    with credentials_scope(["example.com", "127.0.0.1"], grants):
        with pytest.raises(CredentialsRefusedError, match="https"):
            guard_credentials("http://mail.example.com/", headers, grants)
        guard_credentials("http://127.0.0.1:8080/EWS/Exchange.asmx", headers, grants)


def _sandbox_policy(sb: Sandbox, *hosts: str) -> HostPolicy:
    rules = parse_connect_to_list([f"{host}:443:127.0.0.1:{sb.info.port}" for host in hosts])
    return HostPolicy(pin_sha256=sb.control.certificate_sha256(), connect_to=rules)


def _credentialed_hosts(sb: Sandbox) -> set[str]:
    return {str(entry["host"]) for entry in sb.control.request_log() if entry.get("auth")}


def test_requests_through_the_adapter_send_no_password_to_an_ungranted_host(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    from exsync_tui.core.connect.pipeline import new_session

    sb = fresh_sandbox(messages=1, events=0)
    sb.control.set_trap_hosts([ATTACKER])
    url = f"https://{ATTACKER}/EWS/Exchange.asmx"
    with applied(_sandbox_policy(sb, ATTACKER), [ATTACKER]), new_session() as session:
        with pytest.raises(CredentialsRefusedError, match="never confirmed"):
            session.post(url, data=b"", auth=("alice", "secret"))
        assert session.post(url, data=b"").status_code == 401  # the trap is reachable
        with credentials_scope([ATTACKER]):
            assert session.post(url, data=b"", auth=("alice", "secret")).status_code == 401
    assert _credentialed_hosts(sb) == {ATTACKER}  # only the granted request carried one


def test_exchangelib_through_the_adapter_cannot_bypass_the_gate(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    """A future code path (sync, send) that forgets to grant still sends no password."""
    sb = fresh_sandbox(messages=1, events=0)
    user = sb.info.users[0]
    host = f"mail.{sb.info.domain}"
    with applied(_sandbox_policy(sb, host), [host]):
        account = build_account(
            email=user.email,
            ews_url=f"https://{host}/EWS/Exchange.asmx",
            username=user.email,
            password=user.password,
            auth_type="basic",
            retry_policy=BudgetRetryPolicy(5.0),
        )
        try:
            with pytest.raises((CredentialsRefusedError, TransportError)) as raised:
                account.inbox.total_count  # noqa: B018 - a real EWS call
        finally:
            close_all_connections()
    assert classify(raised.value).topic_id == "redirect-declined"
    assert _credentialed_hosts(sb) == set()


def test_plain_http_through_a_proxy_never_carries_a_password_not_even_to_loopback() -> None:
    grants = CredentialGrants()
    with credentials_scope(["localhost"], grants):
        guard_credentials("http://localhost:1080/", {"Authorization": "Basic eDp5"}, grants)
        with pytest.raises(CredentialsRefusedError, match="https"):
            guard_credentials(
                "http://localhost:1080/", {"Authorization": "Basic eDp5"}, grants, proxied=True
            )
    with pytest.raises(CredentialsRefusedError):  # requests_ntlm answering a proxy's 407
        guard_credentials("https://anywhere.test/", {"Proxy-Authorization": "NTLM TlRM"}, grants)


def test_exchangelib_sessions_use_exsyncs_adapter_for_every_url_not_only_the_ews_one() -> None:
    from exchangelib.protocol import BaseProtocol

    from exsync_tui.core.net import install_adapter

    previous = BaseProtocol.HTTP_ADAPTER_CLS
    install_adapter()
    try:
        session = BaseProtocol.raw_session("https://mail.example.com/EWS/Exchange.asmx")
        # requests re-quotes a path (%45WS -> EWS) after the EWS mount could match.
        for url in ("https://mail.example.com/%45WS/Exchange.asmx", "http://elsewhere.test/"):
            assert isinstance(session.get_adapter(url), ExsyncHTTPAdapter)
    finally:
        BaseProtocol.HTTP_ADAPTER_CLS = previous


def test_underscores_in_intranet_host_names_are_accepted_and_read_alike() -> None:
    url = "https://mail_srv.corp.example.com:8443/EWS/Exchange.asmx"
    checked = check_url(url)
    assert checked.host == wire_host(url) == "mail_srv.corp.example.com"
    assert checked.port == 8443
