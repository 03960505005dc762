"""How fast the EWS source syncs a mailbox's item list and fetches its MIME, by connection count.

`python -m bench.source_fetch [--messages N] [--connections 1,4] [--latency-ms MS]`

The sandbox runs as its own process (`exsync sandbox --json`), so client and server
do not share one interpreter lock. The source is opened from a saved-profile-like
Profile, exactly as a sync would: exsync's adapter, connect-to mapping, CA trust.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench.sandbox_throughput import _exchangelib
from exsync_tui.core.profiles import MailboxMetadata, Profile, TlsTrust, new_profile
from exsync_tui.core.sources import FolderKind, MailboxSource
from exsync_tui.core.sources.ews import EwsSource
from exsync_tui.sandbox import SandboxUser

SERVER_VERSION = "Microsoft Exchange Server 2016 (15.1.2507.6)"


def start_sandbox(
    messages: int,
    latency_ms: int,
    *,
    users: int = 1,
    events: int = 0,
    hostile_names: bool = True,
    extra_folders: int = 0,
) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """`exsync sandbox --json` as its own process; returns it and its endpoints line."""
    command = [
        sys.executable,
        "-m",
        "exsync_tui",
        "sandbox",
        "--json",
        f"--users={users}",
        f"--messages={messages}",
        f"--events={events}",
        "--seed=11",
        f"--latency-ms={latency_ms}",
        f"--extra-folders={extra_folders}",
        *([] if hostile_names else ["--no-hostile-names"]),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    info: dict[str, Any] = json.loads(process.stdout.readline())
    return process, info


@contextlib.contextmanager
def running_sandbox(
    messages: int, latency_ms: int, **options: Any
) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    """:func:`start_sandbox` for the length of a ``with`` block, stopped however it ends."""
    process, info = start_sandbox(messages, latency_ms, **options)
    try:
        yield process, info
    finally:
        process.terminate()
        process.wait(30)


def bench_profile(info: dict[str, Any], index: int = 0) -> Profile:
    """A connected profile for the sandbox's ``index``-th user, as a sync would load it."""
    user = info["users"][index]
    port = info["ews_url"].split(":")[2].split("/")[0]
    ews_url = f"https://mail.{info['domain']}/EWS/Exchange.asmx"
    profile = new_profile(
        f"bench{index}",
        user["email"],
        username=user["username"],
        ews_url=ews_url,
        tls=TlsTrust(ca_file=Path(info["ca_file"])),
        connect_to=(f"mail.{info['domain']}:443:127.0.0.1:{port}",),
        metadata=MailboxMetadata(ews_url=ews_url, server_version=SERVER_VERSION, auth_type="basic"),
    )
    return replace(profile, id=f"{index + 1:032x}")  # the same state from one run to the next


def _source(info: dict[str, Any], connections: int, batch_size: int) -> EwsSource:
    user = info["users"][0]
    profile = bench_profile(info)
    return EwsSource.from_profile(
        profile, user["password"], max_connections=connections, batch_size=batch_size
    )


def _list_items(source: MailboxSource) -> tuple[list[str], dict[str, int], int]:
    """Every message id (with sizes) from a first sync of every mail folder; and pages used."""
    ids: list[str] = []
    sizes: dict[str, int] = {}
    pages = 0
    for folder in source.sync_hierarchy(None).created:
        if folder.kind is not FolderKind.MAIL:
            continue
        state: str | None = None
        while True:
            page = source.sync_items(folder.folder_id, state, 512)
            pages += 1
            for change in page.created:
                ids.append(change.item_id)
                sizes[change.item_id] = change.size or 0
            state = page.sync_state
            if page.includes_last:
                break
    return ids, sizes, pages


def _baseline(info: dict[str, Any], ids: list[str]) -> None:
    """The same ids through exchangelib's own `account.fetch(only_fields=["mime_content"])`."""
    users = [SandboxUser(**user) for user in info["users"]]
    sandbox = SimpleNamespace(info=SimpleNamespace(**{**info, "users": users}))
    started = time.perf_counter()
    count, size = _exchangelib(sandbox, ids)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    print(
        f"  {'baseline':>11} {'':7} {count / elapsed:13.0f} {size / elapsed / 1e6:6.1f}  100"
        "   (exchangelib account.fetch, 1 connection)"
    )


def run(messages: int, connections: list[int], batch_size: int, latency_ms: int) -> None:
    """Print item-list and MIME-fetch rates for each connection count."""
    with running_sandbox(messages, latency_ms) as (_, info):
        print(f"EWS source against `exsync sandbox` (own process), latency {latency_ms} ms")
        print(f"  {'connections':>11} {'list s':>7} {'fetch msgs/s':>13} {'MB/s':>6}  batch")
        for count in connections:
            with _source(info, count, batch_size) as source:
                started = time.perf_counter()
                ids, sizes, pages = _list_items(source)
                listed = time.perf_counter() - started
                started = time.perf_counter()
                size = sum(len(r.content or b"") for r in source.fetch_mime(ids))
                elapsed = time.perf_counter() - started
            print(
                f"  {count:>11} {listed:7.2f} {len(ids) / elapsed:13.0f} "
                f"{size / elapsed / 1e6:6.1f}  {batch_size}"
                f"   ({len(ids)} messages, {sum(sizes.values()) / 1e6:.1f} MB, {pages} pages)"
            )
        _baseline(info, ids)


def main() -> int:
    """Parse the flags and run."""
    parser = argparse.ArgumentParser(prog="python -m bench.source_fetch", description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--connections", default="1,4")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args()
    counts = [int(part) for part in args.connections.split(",")]
    run(args.messages, counts, args.batch_size, args.latency_ms)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
