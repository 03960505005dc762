"""First sync of one mailbox: DavMail + mbsync (the peer a power user would run) vs `exsync sync`.

`python -m bench.davmail_peer [--messages N] [--latency-ms 0,30] [--tiny]`

Both pull the same mailbox of the same sandbox (`exsync sandbox --json`, its own process) into
empty directories. DavMail (EWS to IMAP, headless, loopback only, trusting exactly the
sandbox's certificate) is started and greets before the clock starts; the time is mbsync's
whole run through it. exsync's is a first `sync_profile` in a child process, as in
`bench.sync_bench`. The sync issue's target is exsync at least 10x the peer at 30 ms.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.source_fetch import running_sandbox
from bench.sync_bench import _child_sync
from exsync_tui.sandbox.davmail import (
    DEBIAN_PACKAGES,
    davmail,
    davmail_certificate_hash,
    missing_tools,
    run_mbsync,
)

TARGET_AT_30_MS = 10.0


def _mbsync_messages(maildir: Path) -> int:
    return sum(1 for f in maildir.rglob("*") if f.is_file() and f.parent.name in ("cur", "new"))


def _peer(info: dict[str, Any], root: Path, timeout_s: float) -> tuple[int, float]:
    """(messages pulled, seconds) for mbsync through DavMail."""
    user = info["users"][0]
    address = urlsplit(info["ews_url"])
    certificate = davmail_certificate_hash(address.hostname or "127.0.0.1", address.port or 443)
    root.mkdir()
    with davmail(info["ews_url"], certificate, root) as imap_port:
        started = time.perf_counter()
        run_mbsync(imap_port, user["email"], user["password"], root / "Mail", root, timeout_s)
        elapsed = time.perf_counter() - started
    return _mbsync_messages(root / "Mail"), elapsed


def run_latency(messages: int, latency_ms: int, timeout_s: float) -> dict[str, Any]:
    """Both first syncs at one latency; rates in messages per second."""
    # mbsync refuses folder names such as "..", which Exchange allows.
    with (
        running_sandbox(messages, latency_ms, users=1, events=0, hostile_names=False) as (_, info),
        tempfile.TemporaryDirectory(prefix="exsync-bench-") as scratch,
    ):
        pulled, peer_s = _peer(info, Path(scratch) / "peer", timeout_s)
        first = _child_sync(info, [0], "in-process", Path(scratch) / "exsync")
    return {
        "latency_ms": latency_ms,
        "peer": {"count": pulled, "seconds": peer_s, "msgs_s": pulled / peer_s},
        "exsync": {
            "count": first["messages"],
            "seconds": first["elapsed"],
            "msgs_s": first["messages"] / first["elapsed"],
        },
    }


def report(figures: dict[str, Any]) -> None:
    """One latency's figures and the ratio."""
    peer, exsync = figures["peer"], figures["exsync"]
    ratio = exsync["msgs_s"] / peer["msgs_s"]
    print(f"latency {figures['latency_ms']} ms (load average {os.getloadavg()[0]:.1f})")
    print(f"  DavMail + mbsync   {peer['count']:6d} messages {peer['seconds']:7.1f} s "
          f"{peer['msgs_s']:8.1f} msgs/s")  # fmt: skip
    print(f"  exsync first sync  {exsync['count']:6d} messages {exsync['seconds']:7.1f} s "
          f"{exsync['msgs_s']:8.1f} msgs/s")  # fmt: skip
    print(f"  exsync / peer      {ratio:8.1f}x   (target at 30 ms: {TARGET_AT_30_MS:.0f}x)")


def run(messages: int, latencies: list[int], timeout_s: float) -> list[dict[str, Any]]:
    """Every latency in turn; the figures."""
    missing = missing_tools()
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: install {DEBIAN_PACKAGES}")
    results = []
    for latency in latencies:
        figures = run_latency(messages, latency, timeout_s)
        report(figures)
        results.append(figures)
    return results


def main(argv: list[str] | None = None) -> int:
    """Parse the flags and run."""
    parser = argparse.ArgumentParser(prog="python -m bench.davmail_peer", description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--latency-ms", default="0,30")
    parser.add_argument("--timeout-s", type=float, default=3600)
    parser.add_argument("--tiny", action="store_true", help="a few messages at 0 ms (smoke)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.messages, args.latency_ms = 5, "0"
    run(args.messages, [int(v) for v in args.latency_ms.split(",")], args.timeout_s)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
