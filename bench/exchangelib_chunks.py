"""exchangelib's 1-byte parse chunks against exsync's adapter: MIME fetch, side by side.

exchangelib 5.6 parses every SOAP answer through ``response.iter_content()``,
whose requests default is 1 byte per chunk. exsync's adapter hands a body
already in memory out in 64 KiB slices (``exsync_tui.core.net.bounded``). Both
clients run the same ``account.fetch(..., only_fields=["mime_content"])``
against one sandbox running as its own process (``exsync sandbox --json``), so
the server does not share the client's GIL.
"""

from __future__ import annotations

import statistics
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from exchangelib import BASIC, DELEGATE, Account, Configuration, Credentials
from exchangelib.protocol import BaseProtocol, close_connections

from bench.source_fetch import running_sandbox
from exsync_tui.core.net import EwsHTTPAdapter, HostPolicy, applied
from exsync_tui.core.net.credentials import credentials_scope

BATCH = 100


def shipped_adapter(ca_file: str) -> type[requests.adapters.HTTPAdapter]:
    """requests' own adapter, trusting the sandbox CA: exchangelib as shipped."""

    class Shipped(requests.adapters.HTTPAdapter):
        def send(self, *args: Any, **kwargs: Any) -> requests.Response:
            kwargs["verify"] = ca_file
            return super().send(*args, **kwargs)

    return Shipped


def _fetch_rate(info: dict[str, Any], adapter: type[requests.adapters.HTTPAdapter]) -> float:
    """Messages per second for one MIME fetch of the whole inbox through ``adapter``."""
    user = info["users"][0]
    previous = BaseProtocol.HTTP_ADAPTER_CLS
    BaseProtocol.HTTP_ADAPTER_CLS = adapter
    try:
        close_connections()
        config = Configuration(
            service_endpoint=info["ews_url"],
            auth_type=BASIC,
            credentials=Credentials(user["username"], user["password"]),
        )
        account = Account(user["email"], access_type=DELEGATE, autodiscover=False, config=config)
        folder = account.inbox
        ids = [(item.id, item.changekey) for item in folder.all().only("id", "changekey")]
        ids = ids[: len(ids) - len(ids) % BATCH]
        started = time.perf_counter()
        size = 0
        for item in account.fetch(
            ids, folder=folder, only_fields=["mime_content"], chunk_size=BATCH
        ):
            size += len(item.mime_content)
        elapsed = time.perf_counter() - started
        assert size > 0
        return len(ids) / elapsed
    finally:
        close_connections()
        BaseProtocol.HTTP_ADAPTER_CLS = previous


def run(quick: bool = False, tiny: bool = False) -> None:
    """Print msgs/s for exchangelib with requests' adapter and with exsync's, and the ratio."""
    messages = 200 if tiny else 1000 if quick else 3000  # tiny: a smoke test that it runs
    rounds = 1 if quick or tiny else 3
    with running_sandbox(messages, 0) as (_, info):
        host = urlsplit(info["ews_url"]).hostname or ""
        shipped = shipped_adapter(info["ca_file"])
        with (
            applied(HostPolicy(ca_file=info["ca_file"]), [host]),
            credentials_scope([host]),  # exsync's adapter sends a password only to a grant
        ):
            rates: dict[str, list[float]] = {"shipped": [], "exsync": []}
            for _ in range(rounds):  # interleaved, so load on the machine hits both alike
                rates["shipped"].append(_fetch_rate(info, shipped))
                rates["exsync"].append(_fetch_rate(info, EwsHTTPAdapter))
    before = statistics.median(rates["shipped"])
    after = statistics.median(rates["exsync"])
    print("exchangelib MIME fetch, 1-byte parse chunks vs exsync's 64 KiB (sandbox process)")
    print(f"  {messages} messages, batches of {BATCH}, {rounds} round(s), median")
    print(f"  requests' adapter (as shipped): {before:8.0f} msgs/s")
    print(f"  exsync's EwsHTTPAdapter:        {after:8.0f} msgs/s")
    print(f"  ratio: {after / before:.1f}x")
