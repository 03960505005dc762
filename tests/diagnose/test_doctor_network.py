"""The doctor's first three steps: DNS, TCP and TLS told apart, each with its topic."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from exsync_tui.core.diagnose import checks
from exsync_tui.sandbox import Sandbox
from tests.connect.helpers import sandbox_request, unroutable_request
from tests.diagnose.helpers import main_statuses, run_doctor, topic_id
from tests.loopback_guard import UNROUTABLE_PRIVATE, LoopbackGuard

SERVER = "mail.example.com"
SKIPPED_AFTER_TCP = {
    "TLS": "skip",
    "Autodiscover": "skip",
    "Sign-in": "skip",
    "Mailbox access": "skip",
}


def test_every_step_passes_for_a_good_profile(sandbox: Sandbox) -> None:
    diagnosis, live = run_doctor(sandbox_request(sandbox))

    assert topic_id(diagnosis) is None, diagnosis
    assert diagnosis.ok
    assert set(main_statuses(diagnosis).values()) == {"ok"}
    name = next(step for step in diagnosis.steps if step.name == "Name resolution")
    assert "example.com → 127.0.0.1" in name.detail and "--connect-to" in name.detail
    # Autodiscover mode: TLS is checked on both hosts used, the autodiscover and the EWS host.
    assert [s.status.value for s in live if s.name == "TLS"] == ["running", "ok"] * 2


def test_private_address_without_a_route_is_reported_and_never_dialled(
    sandbox: Sandbox, loopback_only: LoopbackGuard
) -> None:
    request = unroutable_request(sandbox)

    diagnosis, _ = run_doctor(request)

    assert topic_id(diagnosis) == "private-address-vpn"
    statuses = main_statuses(diagnosis)
    assert statuses["Name resolution"] == "fail"
    assert statuses["TCP connection"] == "skip"
    assert {k: statuses[k] for k in SKIPPED_AFTER_TCP} == SKIPPED_AFTER_TCP
    detail = diagnosis.steps[0].detail
    assert "10.255.255.1" in detail and "VPN" in detail
    assert not loopback_only.attempted(UNROUTABLE_PRIVATE)


@pytest.mark.parametrize(
    ("address", "kind"),
    [("100.64.12.1", "carrier-grade NAT"), ("169.254.10.10", "link-local"), ("fd12::5", "ULA")],
)
def test_cgnat_link_local_and_ula_addresses_are_named(
    sandbox: Sandbox, loopback_only: LoopbackGuard, address: str, kind: str
) -> None:
    bracketed = f"[{address}]" if ":" in address else address
    request = sandbox_request(sandbox, server=SERVER, connect_to=(f"{SERVER}:443:{bracketed}:443",))

    diagnosis, _ = run_doctor(request)

    assert topic_id(diagnosis) == "private-address-vpn"
    assert kind in diagnosis.steps[0].detail
    assert not loopback_only.attempted(address)


def test_a_name_that_does_not_resolve_asks_about_the_vpn(sandbox: Sandbox) -> None:
    diagnosis, _ = run_doctor(sandbox_request(sandbox, server="intranet-mail.example.com"))

    assert topic_id(diagnosis) == "dns-not-found"
    assert main_statuses(diagnosis)["Name resolution"] == "fail"
    assert main_statuses(diagnosis)["TCP connection"] == "skip"
    assert "VPN" in diagnosis.steps[0].detail


def test_a_refused_port_is_told_apart_from_a_timeout(sandbox: Sandbox, closed_port: int) -> None:
    request = sandbox_request(
        sandbox, server=SERVER, connect_to=(f"{SERVER}:443:127.0.0.1:{closed_port}",)
    )

    diagnosis, _ = run_doctor(request)

    assert topic_id(diagnosis) == "connection-refused"
    statuses = main_statuses(diagnosis)
    assert (statuses["Name resolution"], statuses["TCP connection"]) == ("ok", "fail")
    tcp = next(s for s in diagnosis.steps if s.name == "TCP connection")
    assert "host is up" in tcp.detail
    # The mapping's port, not the 443 the name was asked for, is where nothing listens.
    assert f"{SERVER}:443 via 127.0.0.1:{closed_port} refused" in tcp.detail
    assert tcp.url == f"{SERVER}:443 via 127.0.0.1:{closed_port}"


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A loopback port whose accept queue is full, so new connections get no answer."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers: list[socket.socket] = []
    while True:  # fill until a connect times out: then the queue is surely full
        filler = socket.socket()
        filler.settimeout(0.3)
        fillers.append(filler)
        try:
            filler.connect(("127.0.0.1", port))
        except TimeoutError:
            break
    yield port
    for filler in fillers:
        filler.close()
    listener.close()


def test_a_silent_port_is_a_timeout(
    sandbox: Sandbox, full_backlog: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "TCP_TIMEOUT_S", 0.5)
    request = sandbox_request(
        sandbox, server=SERVER, connect_to=(f"{SERVER}:443:127.0.0.1:{full_backlog}",)
    )

    diagnosis, _ = run_doctor(request)

    assert topic_id(diagnosis) == "connection-timeout"
    assert main_statuses(diagnosis)["TCP connection"] == "fail"


def test_self_signed_without_trust_shows_the_fingerprint_to_pin(sandbox: Sandbox) -> None:
    diagnosis, _ = run_doctor(sandbox_request(sandbox, server=SERVER, ca_file=None))

    assert topic_id(diagnosis) == "tls-untrusted"
    statuses = main_statuses(diagnosis)
    assert (statuses["TCP connection"], statuses["TLS"], statuses["Sign-in"]) == (
        "ok",
        "fail",
        "skip",
    )
    sha = sandbox.control.certificate_sha256()
    assert diagnosis.facts["certificate_sha256"] == sha
    tls = next(step for step in diagnosis.steps if step.name == "TLS")
    assert "private CA" in tls.detail or "CA this machine does not know" in tls.detail
    assert sha[:2].upper() + ":" + sha[2:4].upper() in tls.detail


def test_with_the_ca_file_or_the_right_pin_tls_passes(sandbox: Sandbox) -> None:
    with_ca, _ = run_doctor(sandbox_request(sandbox, server=SERVER))
    pin = sandbox.control.certificate_sha256()
    with_pin, _ = run_doctor(sandbox_request(sandbox, server=SERVER, ca_file=None, pin_sha256=pin))

    for diagnosis, trust in ((with_ca, "CA file"), (with_pin, "pinned certificate")):
        assert diagnosis.ok, diagnosis
        tls = next(step for step in diagnosis.steps if step.name == "TLS")
        assert trust in tls.detail


def test_a_wrong_pin_and_a_rotated_certificate_are_pin_mismatches(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    old = sb.control.certificate_sha256()
    new = sb.control.rotate_certificate()

    diagnosis, _ = run_doctor(sandbox_request(sb, server=SERVER, ca_file=None, pin_sha256=old))

    assert topic_id(diagnosis) == "tls-pin-mismatch"
    assert main_statuses(diagnosis)["TLS"] == "fail"
    assert diagnosis.facts["certificate_sha256"] == new


def test_a_certificate_for_other_names_is_a_name_mismatch(sandbox: Sandbox) -> None:
    other = "webmail.example.net"
    request = sandbox_request(
        sandbox,
        server=other,
        connect_to=(f"{other}:443:127.0.0.1:{sandbox.info.port}",),
    )

    diagnosis, _ = run_doctor(request)

    assert topic_id(diagnosis) == "tls-name-mismatch"
    tls = next(step for step in diagnosis.steps if step.name == "TLS")
    assert "mail.example.com" in tls.detail


def test_plain_http_on_the_tls_port_is_something_else_answering(
    sandbox: Sandbox,
) -> None:
    request = sandbox_request(
        sandbox, server=SERVER, connect_to=(f"{SERVER}:443:127.0.0.1:{sandbox.info.http_port}",)
    )

    diagnosis, _ = run_doctor(request)

    assert topic_id(diagnosis) == "tls-intercepted"
    tls = next(step for step in diagnosis.steps if step.name == "TLS")
    assert "not TLS (probably plain HTTP)" in tls.detail and "_ssl.c" not in tls.detail


def test_when_autodiscover_fails_the_network_steps_say_why_where_it_failed(
    sandbox: Sandbox,
) -> None:
    untrusted, _ = run_doctor(sandbox_request(sandbox, ca_file=None))
    unknown, _ = run_doctor(sandbox_request(sandbox, email="alice@nowhere.example", connect_to=()))

    assert topic_id(untrusted) == "tls-untrusted"
    assert main_statuses(untrusted)["TLS"] == "fail"
    assert untrusted.facts["certificate_sha256"] == sandbox.control.certificate_sha256()
    assert topic_id(unknown) == "autodiscover-failed"  # what connecting says, too
    name = next(step for step in unknown.steps if step.name == "Name resolution")
    assert name.status.value == "fail"
    assert "autodiscover.nowhere.example" in name.detail and "nowhere.example:" in name.detail
    for step in unknown.steps:
        assert "HTTPSConnection" not in step.detail and "Failed to resolve" not in step.detail
