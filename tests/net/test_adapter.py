"""The adapter with plain requests against the sandbox: mapping, trust, pin, cancel, guard."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests

from exsync_tui.core.net import (
    ExsyncHTTPAdapter,
    HostPolicy,
    NetScope,
    UnroutableAddressError,
    applied,
    net_scope,
    parse_connect_to,
)
from exsync_tui.core.net.policy import PolicyRegistry, PolicyScope
from exsync_tui.core.net.resolve import AddressSource, resolve_addresses
from exsync_tui.sandbox import Sandbox
from tests.loopback_guard import LoopbackGuard


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        http.mount("https://", ExsyncHTTPAdapter(max_retries=0))
        http.mount("http://", ExsyncHTTPAdapter(max_retries=0))
        yield http


def _rule(sb: Sandbox, host: str = "mail.example.com") -> HostPolicy:
    return HostPolicy(
        ca_file=sb.info.ca_file,
        connect_to=(parse_connect_to(f"{host}:443:127.0.0.1:{sb.info.port}"),),
    )


def test_a_mapped_name_keeps_its_host_header_and_certificate_check(
    sandbox: Sandbox, session: requests.Session
) -> None:
    with applied(_rule(sandbox), ["mail.example.com"]):
        response = session.get("https://mail.example.com/EWS/Exchange.asmx", timeout=5)
    assert response.status_code == 401  # the sandbox answered, as mail.example.com
    entry = sandbox.control.request_log()[-1]
    assert entry["host"] == "mail.example.com"


def test_without_the_ca_file_the_certificate_is_refused(
    sandbox: Sandbox, session: requests.Session
) -> None:
    policy = HostPolicy(connect_to=_rule(sandbox).connect_to)
    with applied(policy, ["mail.example.com"]), pytest.raises(requests.exceptions.SSLError):
        session.get("https://mail.example.com/EWS/Exchange.asmx", timeout=5)


def test_a_pin_replaces_the_ca_and_a_wrong_pin_fails(
    sandbox: Sandbox, session: requests.Session
) -> None:
    rules = _rule(sandbox).connect_to
    right = HostPolicy(pin_sha256=sandbox.control.certificate_sha256(), connect_to=rules)
    with applied(right, ["mail.example.com"]):
        assert (
            session.get("https://mail.example.com/EWS/Exchange.asmx", timeout=5).status_code == 401
        )
    session.close()  # new pools: the pin is part of the pool key, but be explicit
    wrong = HostPolicy(pin_sha256="00" * 32, connect_to=rules)
    with (
        applied(wrong, ["mail.example.com"]),
        pytest.raises(requests.exceptions.SSLError, match="Fingerprints did not match"),
    ):
        session.get("https://mail.example.com/EWS/Exchange.asmx", timeout=5)


def test_policies_are_per_host_and_restored(sandbox: Sandbox) -> None:
    from exsync_tui.core.net import REGISTRY

    assert REGISTRY.lookup("mail.example.com").ca_file is None
    with applied(_rule(sandbox), ["mail.example.com"]) as scope:
        scope.add_hosts(["autodiscover.example.com"])
        assert REGISTRY.lookup("MAIL.example.com.").ca_file == sandbox.info.ca_file
        assert REGISTRY.lookup("autodiscover.example.com").ca_file == sandbox.info.ca_file
        assert REGISTRY.lookup("other.example.com").ca_file is None
    assert REGISTRY.lookup("mail.example.com").ca_file is None
    assert REGISTRY.lookup("autodiscover.example.com").ca_file is None


def test_the_nameserver_resolves_names_and_connect_to_wins(sandbox: Sandbox) -> None:
    policy = HostPolicy(nameserver=sandbox.info.dns_server, connect_to=_rule(sandbox).connect_to)
    by_dns = resolve_addresses("autodiscover.example.com", 443, policy)
    by_rule = resolve_addresses("mail.example.com", 443, policy)
    assert (by_dns.addresses, by_dns.source) == (("127.0.0.1",), AddressSource.NAMESERVER)
    assert (by_rule.addresses, by_rule.target_port) == (("127.0.0.1",), sandbox.info.port)
    assert by_rule.source is AddressSource.CONNECT_TO


def test_an_unroutable_private_address_raises_before_any_packet(
    session: requests.Session, loopback_only: LoopbackGuard
) -> None:
    policy = HostPolicy(connect_to=(parse_connect_to("intranet.example.com:443:192.168.77.7:443"),))
    with applied(policy, []), pytest.raises(requests.exceptions.ConnectionError) as raised:
        session.get("https://intranet.example.com/", timeout=5)
    reasons = [getattr(raised.value.args[0], "reason", None)]
    assert isinstance(reasons[0], UnroutableAddressError)
    assert loopback_only.connect_attempts == []


def test_abort_wakes_a_request_blocked_on_a_hung_server(
    fresh_sandbox: object, session: requests.Session
) -> None:
    sb = fresh_sandbox(messages=1, events=0, latency_ms=30_000)  # type: ignore[operator]
    scope = NetScope(cancel=threading.Event(), read_timeout=60)
    finished = threading.Event()
    errors: list[BaseException] = []

    def blocked_request() -> None:
        with net_scope(scope), applied(_rule(sb), ["mail.example.com"]):
            try:
                session.get("https://mail.example.com/EWS/Exchange.asmx", timeout=60)
            except requests.RequestException as error:
                errors.append(error)
            finally:
                finished.set()

    worker = threading.Thread(target=blocked_request)
    worker.start()
    deadline = time.monotonic() + 10
    while not list(scope._connections):  # the connection is open and the server is "thinking"
        assert not finished.wait(0.01), errors
        assert time.monotonic() < deadline
    started = time.monotonic()
    scope.cancel.set()
    scope.abort()
    assert finished.wait(2)
    assert time.monotonic() - started < 1.0
    worker.join()
    assert errors


def test_overlapping_registrations_for_one_host_end_independently() -> None:
    """Two syncs of mailboxes on one server: the first to finish keeps the other's policy."""
    registry = PolicyRegistry()
    first, second = HostPolicy(ca_file="/first.pem"), HostPolicy(ca_file="/second.pem")
    with applied(first, ["mail.example.com"], registry):
        with applied(second, ["MAIL.example.com."], registry):
            assert registry.lookup("mail.example.com") == second
        assert registry.lookup("mail.example.com") == first
    outer = PolicyScope(registry, first)
    outer.add_hosts(["mail.example.com"])
    inner = PolicyScope(registry, second)
    inner.add_hosts(["mail.example.com"])
    outer.close()  # ends first, out of order
    assert registry.lookup("mail.example.com") == second
    inner.close()
    assert registry.lookup("mail.example.com") == HostPolicy()
