"""The doctor's network steps: name resolution, TCP, TLS — told apart, explained, never unsafe.

An internal address without a route is reported (``private-address-vpn``) and
not dialled: the TCP step is skipped, so no packet goes out of the default
route. Through a proxy, names are the proxy's to resolve and the TCP step
checks the proxy itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from exsync_tui.core.connect.recorder import RunningStep, StepRecorder
from exsync_tui.core.connect.request import ConnectRequest
from exsync_tui.core.connect.server_text import normalise_server
from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.net import (
    NameNotFoundError,
    Resolution,
    describe_kind,
    judge_addresses,
    lookup_srv,
    normalise_pin,
    proxy_for,
    redact_proxy,
    resolve_addresses,
)
from exsync_tui.core.net.addresses import AddressKind
from exsync_tui.core.net.dial import open_connection
from exsync_tui.core.net.routes import Reachability
from exsync_tui.core.net.tls_probe import check_tls
from exsync_tui.core.steps import StepStatus

NAME_STEP = "Name resolution"
TCP_STEP = "TCP connection"
TLS_STEP = "TLS"
TCP_TIMEOUT_S = 5.0
TLS_TIMEOUT_S = 5.0

Candidate = tuple[str, int, str]
"""(host, port, scheme) the network steps may look at."""


@dataclass
class Target:
    """The host the network steps look at, and what they learned."""

    host: str
    port: int
    scheme: str = "https"
    proxy: str | None = None
    facts: dict[str, str] = field(default_factory=dict)
    dialled: tuple[str, int] | None = None
    """The first address and the port a connection really goes to (a mapping may change both)."""


def candidate_targets(request: ConnectRequest) -> list[Candidate]:
    """(host, port, scheme) to examine: the server, or the autodiscover hosts in order."""
    if request.server:
        spec = normalise_server(request.server)
        return [(spec.host, spec.port, urlsplit(spec.ews_url).scheme)]
    return [(request.domain, 443, "https"), (f"autodiscover.{request.domain}", 443, "https")]


def _describe(resolution: Resolution) -> str:
    via = {
        "connect-to": f" (mapped by --connect-to {resolution.via})",
        "nameserver": f" (asked {resolution.via})",
        "literal": " (an address)",
        "system": "",
    }[resolution.source.value]
    return f"{resolution.host} → {', '.join(resolution.addresses)}{via}"


def _srv_target(request: ConnectRequest) -> tuple[str, int] | None:
    try:
        targets = lookup_srv(f"_autodiscover._tcp.{request.domain}", request.dns_server)
    except NameNotFoundError:
        return None
    return (targets[0].host, targets[0].port) if targets else None


def target_of(url: str) -> Candidate:
    """(host, port, scheme) of an https/http URL."""
    parts = urlsplit(url)
    scheme = parts.scheme or "https"
    return (parts.hostname or "", parts.port or (443 if scheme == "https" else 80), scheme)


def resolve_step(
    recorder: StepRecorder, request: ConnectRequest, candidates: list[Candidate] | None = None
) -> Target:
    """Step 1: find addresses for ``candidates`` (by default the server, or the autodiscover
    hosts and then the SRV target), the first that resolves; raises TopicError."""
    step = recorder.start(NAME_STEP)
    srv_allowed = candidates is None and not request.server
    candidates = candidates if candidates is not None else candidate_targets(request)
    proxy = proxy_for(f"https://{candidates[0][0]}/")
    if proxy:
        host, port, scheme = candidates[0]
        step.finish(
            StepStatus.OK,
            f"connections go through the proxy {redact_proxy(proxy)}: it resolves {host}, "
            "not this machine",
        )
        return Target(host, port, scheme, proxy)
    misses: list[str] = []
    for host, port, scheme in candidates:
        try:
            resolution = resolve_addresses(host, port)
        except NameNotFoundError as error:
            misses.append(f"{host}: {error.reason}")
            continue
        return _judge(step, Target(host, port, scheme), resolution)
    if srv_allowed:
        srv = _srv_target(request)
        if srv is not None:
            try:
                resolution = resolve_addresses(*srv)
            except NameNotFoundError as error:
                misses.append(f"{srv[0]}: {error.reason}")
            else:
                return _judge(step, Target(srv[0], srv[1]), resolution)
    detail = "; ".join(misses) + " — is it internal DNS? Are you on the VPN?"
    step.finish(StepStatus.FAIL, detail)
    raise TopicError("dns-not-found", detail, {"host": candidates[0][0]})


def _judge(step: RunningStep, target: Target, resolution: Resolution) -> Target:
    verdicts = judge_addresses(resolution.addresses)
    target.facts["addresses"] = ", ".join(resolution.addresses)
    if resolution.addresses:
        target.dialled = (resolution.addresses[0], resolution.target_port)
    blocked = [verdict for verdict in verdicts if verdict.blocked]
    described = _describe(resolution)
    if len(blocked) == len(verdicts):
        kinds = sorted({describe_kind(verdict.kind) for verdict in blocked})
        detail = (
            f"{described}: {' and '.join(kinds)} with no route from this network — "
            "it needs the VPN or the office network (not contacted)"
        )
        step.finish(StepStatus.FAIL, detail)
        raise TopicError("private-address-vpn", detail, {"host": target.host, **target.facts})
    internal = [v for v in verdicts if v.kind not in (AddressKind.PUBLIC, AddressKind.LOOPBACK)]
    if internal:
        how = (
            "reachable through a route of its own (VPN or LAN)"
            if all(v.reachability is Reachability.ROUTED for v in internal)
            else "route unknown: trying a short connection"
        )
        step.finish(StepStatus.WARN if blocked else StepStatus.OK, f"{described}: internal, {how}")
    else:
        step.finish(StepStatus.OK, described)
    return target


def tcp_step(recorder: StepRecorder, target: Target) -> None:
    """Step 2: open a TCP connection (to the proxy when there is one); raises TopicError."""
    host, port = target.host, target.port
    if target.proxy:
        proxy = urlsplit(target.proxy if "://" in target.proxy else f"http://{target.proxy}")
        host, port = proxy.hostname or "", proxy.port or (443 if proxy.scheme == "https" else 80)
    # Name where the connection really goes: a host mapping can change the port.
    aimed = f"{host}:{port}"
    if target.dialled is not None and not target.proxy:
        aimed = _dialled_text(host, port, *target.dialled)
    step = recorder.start(TCP_STEP, url=aimed)
    started = time.monotonic()
    try:
        dialled = open_connection(host, port, TCP_TIMEOUT_S)
    except ConnectionRefusedError as error:
        detail = f"{aimed} refused the connection: the host is up, nothing listens there"
        step.finish(StepStatus.FAIL, detail)
        raise TopicError("connection-refused", detail) from error
    except TimeoutError as error:
        detail = (
            f"no answer from {aimed} within {TCP_TIMEOUT_S:g} s: a firewall, "
            "the VPN, or the wrong host"
        )
        step.finish(StepStatus.FAIL, detail)
        raise TopicError("connection-timeout", detail) from error
    except NameNotFoundError as error:
        step.finish(StepStatus.FAIL, str(error))
        raise TopicError("dns-not-found", str(error)) from error
    except OSError as error:
        step.finish(StepStatus.FAIL, f"{aimed}: {error}")
        raise TopicError("connection-timeout", f"{aimed}: {error}") from error
    dialled.sock.close()
    elapsed_ms = (time.monotonic() - started) * 1000
    where = _dialled_text(host, port, dialled.address, dialled.resolution.target_port)
    the_proxy = " (the proxy)" if target.proxy else ""
    step.finish(StepStatus.OK, f"connected to {where}{the_proxy} in {elapsed_ms:.0f} ms")


def _dialled_text(host: str, port: int, address: str, dialled_port: int) -> str:
    """``mail.example.com:443 via 127.0.0.1:36739``: what was asked for, and where it went."""
    shown = f"[{address}]" if ":" in address else address
    if (host.strip("[]"), port) == (address, dialled_port):
        return f"{shown}:{port}"
    return f"{host}:{port} via {shown}:{dialled_port}"


def tls_step(recorder: StepRecorder, request: ConnectRequest, target: Target) -> None:
    """Step 3: verify the certificate as sign-in will; raises TopicError with the fingerprint."""
    if target.proxy:
        recorder.record(TLS_STEP, StepStatus.SKIP, "checked through the proxy by the next steps")
        return
    if target.scheme != "https":
        recorder.record(TLS_STEP, StepStatus.SKIP, "plain http (loopback only): no TLS")
        return
    step = recorder.start(TLS_STEP, url=f"{target.host}:{target.port}")
    pin = normalise_pin(request.pin_sha256) if request.pin_sha256 else None
    ca_file = str(request.ca_file) if request.ca_file else None
    result = check_tls(
        target.host, target.port, ca_file=ca_file, pin_sha256=pin, timeout=TLS_TIMEOUT_S
    )
    facts = {"host": target.host}
    if result.certificate is not None:
        facts["certificate_sha256"] = result.certificate.sha256
    if not result.ok:
        detail = f"{target.host}: {result.detail}"
        if result.certificate is not None:
            detail += f"; SHA-256 {result.certificate.fingerprint}"
        step.finish(StepStatus.FAIL, detail)
        raise TopicError(result.topic_id or "tls-untrusted", detail, facts)
    target.facts.update(facts)
    if result.warning:
        step.finish(StepStatus.WARN, f"{target.host}: {result.detail}; {result.warning}")
    else:
        step.finish(StepStatus.OK, f"{target.host}: {result.detail}")
