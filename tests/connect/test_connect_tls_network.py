"""TLS trust and network failures: each ends in its own step status and help topic."""

from __future__ import annotations

from collections.abc import Callable

from exsync_tui.sandbox import Sandbox
from tests.connect.helpers import (
    run_connect,
    sandbox_request,
    statuses,
    topic_id,
    unroutable_request,
)
from tests.loopback_guard import UNROUTABLE_PRIVATE, LoopbackGuard

SERVER = "mail.example.com"


def test_self_signed_without_trust_names_the_certificate_to_pin(sandbox: Sandbox) -> None:
    outcome, _ = run_connect(sandbox_request(sandbox, server=SERVER, ca_file=None))

    assert topic_id(outcome) == "tls-untrusted"
    assert statuses(outcome)["Sign-in"] == "fail"
    facts = outcome.diagnosis.facts
    assert facts["certificate_sha256"] == sandbox.control.certificate_sha256()
    assert facts["host"] == SERVER
    assert facts["field"] == "ca_file"


def test_autodiscover_without_trust_also_says_untrusted(sandbox: Sandbox) -> None:
    outcome, _ = run_connect(sandbox_request(sandbox, ca_file=None))

    assert topic_id(outcome) == "tls-untrusted"
    assert outcome.diagnosis.facts["certificate_sha256"] == sandbox.control.certificate_sha256()


def test_the_ca_file_makes_it_trusted(sandbox: Sandbox) -> None:
    outcome, _ = run_connect(sandbox_request(sandbox, server=SERVER))

    assert outcome.ok, outcome.diagnosis


def test_the_right_pin_is_trusted_without_a_ca_file(sandbox: Sandbox) -> None:
    pin = sandbox.control.certificate_sha256()

    outcome, _ = run_connect(sandbox_request(sandbox, ca_file=None, pin_sha256=pin))

    assert outcome.ok, outcome.diagnosis


def test_a_pin_with_colons_and_capitals_is_the_same_pin(sandbox: Sandbox) -> None:
    pin = sandbox.control.certificate_sha256().upper()
    with_colons = ":".join(pin[i : i + 2] for i in range(0, len(pin), 2))

    outcome, _ = run_connect(
        sandbox_request(sandbox, server=SERVER, ca_file=None, pin_sha256=with_colons)
    )

    assert outcome.ok, outcome.diagnosis


def test_a_wrong_pin_is_refused_and_the_real_fingerprint_offered(sandbox: Sandbox) -> None:
    outcome, _ = run_connect(
        sandbox_request(sandbox, server=SERVER, ca_file=None, pin_sha256="ab" * 32)
    )

    assert topic_id(outcome) == "tls-pin-mismatch"
    assert statuses(outcome)["Sign-in"] == "fail"
    assert outcome.diagnosis.facts["certificate_sha256"] == sandbox.control.certificate_sha256()


def test_after_rotation_the_old_pin_fails_and_the_ca_file_still_works(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    old_pin = sb.control.certificate_sha256()
    assert run_connect(sandbox_request(sb, server=SERVER, ca_file=None, pin_sha256=old_pin))[0].ok

    new_pin = sb.control.rotate_certificate()

    outcome, _ = run_connect(sandbox_request(sb, server=SERVER, ca_file=None, pin_sha256=old_pin))
    assert topic_id(outcome) == "tls-pin-mismatch"
    assert outcome.diagnosis.facts["certificate_sha256"] == new_pin != old_pin
    assert run_connect(sandbox_request(sb, server=SERVER))[0].ok


def test_a_host_mapped_to_an_unroutable_private_address_is_never_dialled(
    sandbox: Sandbox, loopback_only: LoopbackGuard
) -> None:
    request = unroutable_request(sandbox)

    outcome, _ = run_connect(request)

    assert topic_id(outcome) == "private-address-vpn"
    assert statuses(outcome)["Sign-in"] == "fail"
    assert outcome.diagnosis.facts["addresses"] == "10.255.255.1"
    assert not loopback_only.attempted(UNROUTABLE_PRIVATE)


def test_a_closed_port_is_connection_refused(sandbox: Sandbox, closed_port: int) -> None:
    request = sandbox_request(sandbox, server=f"https://127.0.0.1:{closed_port}/EWS/Exchange.asmx")

    outcome, _ = run_connect(request)

    assert topic_id(outcome) == "connection-refused"


def test_a_name_the_nameserver_does_not_know_is_dns_not_found(sandbox: Sandbox) -> None:
    outcome, _ = run_connect(sandbox_request(sandbox, server="nosuchhost.example.com"))

    assert topic_id(outcome) == "dns-not-found"
    assert statuses(outcome)["Sign-in"] == "fail"


def test_bad_settings_are_named_before_anything_is_sent(sandbox: Sandbox) -> None:
    for overrides, field in [
        ({"connect_to": ("mail.example.com:443",)}, "connect_to"),
        ({"pin_sha256": "12:34"}, "pin_sha256"),
        ({"ca_file": "/nonexistent/ca.pem"}, "ca_file"),
        ({"server": "https://mail.example.com/some/page"}, "server"),
    ]:
        outcome, _ = run_connect(sandbox_request(sandbox, **overrides))
        assert topic_id(outcome) == "settings-invalid", overrides
        assert outcome.diagnosis.facts["field"] == field
