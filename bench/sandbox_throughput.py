"""How fast the sandbox serves MIME through GetItem (target: 2,000 messages/s, batches of 100).

Three clients fetch the same ids, so the figures show server cost and client cost side by side:
a raw SOAP client (requests, one kept-alive connection), two raw clients in parallel, and
exchangelib's `account.fetch(..., only_fields=["mime_content"])`.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable

import requests
from exchangelib import BASIC, DELEGATE, Account, Configuration, Credentials
from exchangelib.protocol import BaseProtocol, close_connections

from exsync_tui.sandbox import Sandbox, SandboxConfig

TARGET_PER_SECOND = 2000
BATCH = 100
_ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
    'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
    '<s:Header><t:RequestServerVersion Version="Exchange2016"/></s:Header><s:Body>'
    "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
    '<t:FieldURI FieldURI="item:MimeContent"/></t:AdditionalProperties></m:ItemShape>'
    "<m:ItemIds>{ids}</m:ItemIds></m:GetItem></s:Body></s:Envelope>"
)


def _batches(ids: list[str]) -> list[bytes]:
    return [
        _ENVELOPE.format(ids="".join(f'<t:ItemId Id="{i}"/>' for i in ids[n : n + BATCH])).encode()
        for n in range(0, len(ids), BATCH)
    ]


def _raw_client(sandbox: Sandbox, bodies: list[bytes]) -> tuple[int, int]:
    """Fetch every batch over one kept-alive connection; (messages, bytes received)."""
    user = sandbox.info.users[0]
    received = 0
    with requests.Session() as session:
        for body in bodies:
            response = session.post(
                sandbox.info.ews_url,
                data=body,
                auth=(user.username, user.password),
                verify=sandbox.info.ca_file,
                timeout=60,
                headers={"Content-Type": "text/xml; charset=utf-8"},
            )
            response.raise_for_status()
            received += len(response.content)
    return len(bodies) * BATCH, received


def _timed(work: Callable[[], tuple[int, int]], rounds: int) -> tuple[float, float]:
    """Median messages/s and MB/s over `rounds`."""
    rates, throughput = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        messages, size = work()
        elapsed = time.perf_counter() - started
        rates.append(messages / elapsed)
        throughput.append(size / elapsed / 1e6)
    return statistics.median(rates), statistics.median(throughput)


def _parallel(sandbox: Sandbox, bodies: list[bytes], clients: int) -> tuple[int, int]:
    results: list[tuple[int, int]] = []
    share = [bodies[i::clients] for i in range(clients)]
    threads = [
        threading.Thread(target=lambda part=part: results.append(_raw_client(sandbox, part)))
        for part in share
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(r[0] for r in results), sum(r[1] for r in results)


def _exchangelib(sandbox: Sandbox, ids: list[str]) -> tuple[int, int]:
    user = sandbox.info.users[0]
    ca_file = sandbox.info.ca_file

    class Trust(requests.adapters.HTTPAdapter):
        def send(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            kwargs["verify"] = ca_file
            return super().send(*args, **kwargs)

    previous = BaseProtocol.HTTP_ADAPTER_CLS
    BaseProtocol.HTTP_ADAPTER_CLS = Trust
    try:
        close_connections()
        config = Configuration(
            service_endpoint=sandbox.info.ews_url,
            auth_type=BASIC,
            credentials=Credentials(user.username, user.password),
        )
        account = Account(user.email, access_type=DELEGATE, autodiscover=False, config=config)
        folder = account.inbox  # version guess and sign-in happen here, before the fetch
        size = 0
        for item in account.fetch(
            [(i, None) for i in ids],
            folder=folder,
            only_fields=["mime_content"],
            chunk_size=BATCH,
        ):
            size += len(item.mime_content)
        return len(ids), size
    finally:
        close_connections()
        BaseProtocol.HTTP_ADAPTER_CLS = previous


def run(quick: bool = False, tiny: bool = False) -> None:
    """Print the GetItem MIME throughput figures (tiny: a smoke test that it runs)."""
    count = 200 if tiny else 1000 if quick else 3000  # messages in the benchmark mailbox
    rounds = 1 if quick or tiny else 3
    started = time.perf_counter()
    config = SandboxConfig(users=1, messages=count, events=0, seed=11)
    with Sandbox(config) as sandbox:
        generated = time.perf_counter() - started
        truth = sandbox.control.truth(sandbox.info.users[0].email)
        messages = [i for i in truth["items"] if i["kind"] == "message"]
        ids = [i["id"] for i in messages][: count - count % BATCH]
        average = statistics.mean(len(i["mime"]) for i in messages) / 1024
        bodies = _batches(ids)
        _raw_client(sandbox, bodies[:2])  # warm up (TLS, caches)
        one = _timed(lambda: _raw_client(sandbox, bodies), rounds)
        two = _timed(lambda: _parallel(sandbox, bodies, 2), rounds)
        lib = _timed(lambda: _exchangelib(sandbox, ids), rounds)
    print("Sandbox GetItem MIME throughput (batches of 100, HTTPS, Basic)")
    print(f"  mailbox: {len(ids)} messages, mean MIME {average:.1f} KiB")
    print(f"  generated and started in {generated:.2f} s")
    print(f"  {'client':34} {'msgs/s':>9} {'MB/s':>7} {'x target':>9}")
    for label, (rate, mb) in (
        ("raw SOAP, 1 connection", one),
        ("raw SOAP, 2 connections", two),
        ("exchangelib fetch (client included)", lib),
    ):
        print(f"  {label:34} {rate:9.0f} {mb:7.1f} {rate / TARGET_PER_SECOND:9.2f}")
    print(f"  target: {TARGET_PER_SECOND} msgs/s on this machine")
