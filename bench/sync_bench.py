"""`exsync sync` beside its peers, as ratios from one run: first and no-op sync, memory, 8 at once.

`python -m bench.sync_bench [--messages N] [--latency-ms 0,30] [--mailboxes 8] [--mailboxes-only]`

Every figure comes from the same sandbox process (`exsync sandbox --json`, its own
interpreter) in the same run:

- raw: the transport ceiling, GetItem MIME over one kept-alive connection, no parsing;
- naive: a straightforward exchangelib script as users write it,
  ``folder.all().only("mime_content")`` into ``mailbox.Maildir.add``, unmodified exchangelib;
- exsync: a first `sync_profile` in a child process (its peak RSS read from the kernel);
- no-op: a second sync of the same mailbox, with the requests it made;
- N mailboxes synced at once (one `SyncRun`: a process per mailbox) against the same
  processes one after another.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests
from exchangelib import BASIC, DELEGATE, Account, Configuration, Credentials
from exchangelib.protocol import BaseProtocol, close_connections

from bench.exchangelib_chunks import shipped_adapter
from bench.sandbox_throughput import _batches
from bench.source_fetch import running_sandbox

_CHILD = """
import json, resource, sys, time
from bench.source_fetch import bench_profile
from exsync_tui.core.sync.engine import SyncResult, sync_profile
from exsync_tui.core.sync.runner import Job, SyncRun
from exsync_tui.core.sync.engine import options_for
info, indexes, mode = json.loads(sys.stdin.read())  # stdin: the passwords stay out of argv
profiles = [bench_profile(info, i) for i in indexes]
started = time.perf_counter()
jobs = [Job(p, info["users"][i]["password"], options_for(p)) for p, i in zip(profiles, indexes)]
if mode == "together":  # a process per mailbox, all at once, as exsync sync --all runs them
    results = list(SyncRun(jobs, lambda e: None).start().wait().values())
elif mode == "in-turn":  # the same processes, one after another
    results = [r for job in jobs for r in SyncRun([job], lambda e: None).start().wait().values()]
else:  # in this process, so that its peak RSS is the sync's own
    results = [sync_profile(job.profile, job.password) for job in jobs]
elapsed = time.perf_counter() - started
# CPU of this process and of every sync process it waited for: the floor on the wall time.
cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF,
          resource.RUSAGE_CHILDREN) for f in ("ru_utime", "ru_stime"))
# VmHWM, not ru_maxrss: Linux carries the parent's high-water mark into ru_maxrss.
peak = next(int(line.split()[1]) for line in open("/proc/self/status")
            if line.startswith("VmHWM:"))
# Messages only (counts.new includes calendar events): the files in each Maildir.
messages = sum(1 for p in profiles for f in p.effective_mail_dir().rglob("*")
               if f.parent.name in ("cur", "new") and f.is_file())
print(json.dumps({"elapsed": elapsed, "ok": all(r.ok for r in results),
                  "new": sum(r.counts.new for r in results), "messages": messages,
                  "bytes": sum(r.counts.bytes for r in results),
                  "maxrss_kb": peak, "cpu_s": cpu}))
"""


def _control(info: dict[str, Any], method: str) -> Any:
    response = requests.post(f"{info['control_url']}/{method}", json={}, timeout=30)
    response.raise_for_status()
    return response.json()


def _child_sync(info: dict[str, Any], indexes: list[int], mode: str, xdg: Path) -> dict[str, Any]:
    """Sync ``indexes`` in a fresh interpreter: ``together``, ``in-turn`` or ``in-process``."""
    env = {
        **os.environ,
        **{f"XDG_{k}_HOME": str(xdg / k.lower()) for k in ("DATA", "STATE", "CONFIG")},
    }
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], input=json.dumps([info, indexes, mode]),
        capture_output=True, text=True, env=env, check=True, timeout=3600,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    if not result["ok"]:
        raise RuntimeError(f"sync failed: {done.stdout} {done.stderr[-2000:]}")
    return result


def _naive(info: dict[str, Any], index: int, target: Path) -> tuple[int, int, float]:
    """The script a user writes: every mail folder's MIME into a Maildir; (count, bytes, s)."""
    user = info["users"][index]
    previous = BaseProtocol.HTTP_ADAPTER_CLS
    BaseProtocol.HTTP_ADAPTER_CLS = shipped_adapter(info["ca_file"])
    try:
        config = Configuration(
            service_endpoint=info["ews_url"],
            credentials=Credentials(user["username"], user["password"]),
            auth_type=BASIC,
        )
        account = Account(user["email"], config=config, autodiscover=False, access_type=DELEGATE)
        box = mailbox.Maildir(target, create=True)
        count = size = 0
        started = time.perf_counter()
        for folder in account.msg_folder_root.walk():
            # By class, not isinstance(folder, Messages): exchangelib's Inbox, Drafts and
            # Sent Items are not Messages subclasses, and skipping them skipped most mail.
            if not (folder.folder_class or "").startswith("IPF.Note"):
                continue
            for item in folder.all().only("mime_content"):
                box.add(item.mime_content)
                count += 1
                size += len(item.mime_content)
        return count, size, time.perf_counter() - started
    finally:
        close_connections()
        BaseProtocol.HTTP_ADAPTER_CLS = previous


def _raw(info: dict[str, Any], index: int) -> tuple[int, int, float]:
    """GetItem MIME for every message over one connection, no parsing: the ceiling."""
    user = info["users"][index]
    truth = requests.post(
        f"{info['control_url']}/truth",
        json={"email": user["email"], "include_mime": False},
        timeout=60,
    ).json()["result"]
    ids = [i["id"] for i in truth["items"] if i["kind"] == "message"]
    received = 0
    started = time.perf_counter()
    with requests.Session() as session:
        for body in _batches(ids):
            response = session.post(
                info["ews_url"], data=body, auth=(user["username"], user["password"]),
                verify=info["ca_file"], timeout=120,
                headers={"Content-Type": "text/xml; charset=utf-8"},
            )  # fmt: skip
            response.raise_for_status()
            received += len(response.content)
    return len(ids), received, time.perf_counter() - started


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else 0.0


def _single_mailbox(
    info: dict[str, Any], root: Path, figures: dict[str, Any], *, peers: bool = True
) -> None:
    """raw, naive (unless not ``peers``), exsync's first and no-op sync, into ``figures``."""
    if peers:
        count, size, seconds = _raw(info, 0)
        figures["raw"] = {"msgs_s": _rate(count, seconds), "mb_s": size / seconds / 1e6}
        count, size, seconds = _naive(info, 1, root / "naive")
        figures["naive"] = {"msgs_s": _rate(count, seconds), "count": count}
    first = _child_sync(info, [0], "in-process", root / "one")
    figures["exsync"] = {
        "msgs_s": _rate(first["messages"], first["elapsed"]),
        "count": first["messages"],
        "maxrss_mb": first["maxrss_kb"] / 1024,
        # The client's own CPU (the fresh interpreter's imports included) per message.
        "cpu_ms_per_msg": first["cpu_s"] / max(first["messages"], 1) * 1000,
    }
    _control(info, "clear_request_log")
    noop = _child_sync(info, [0], "in-process", root / "one")
    log = _control(info, "request_log")
    figures["noop"] = {
        "seconds": noop["elapsed"],
        # Operations only: the control API's own call (clear_request_log) is logged too.
        "requests": dict(Counter(e["operation"] for e in log["result"] if e.get("operation"))),
    }


def run_latency(
    messages: int,
    latency_ms: int,
    mailboxes: int,
    *,
    mailboxes_only: bool = False,
    peers: bool = True,
    events: int = 1000,
) -> dict[str, Any]:
    """Every figure at one latency (only the N-mailbox one with ``mailboxes_only``).

    Each mailbox has ``events`` calendar events too (the sync issue's mailbox has 1,000):
    exsync's first and no-op syncs include its calendars; raw and naive read mail only.
    """
    users = max(3, mailboxes + 2)
    figures: dict[str, Any] = {"latency_ms": latency_ms, "messages": messages, "events": events}
    # 32 folders more than the sandbox's 18: the sync issue's no-op figure is for 50.
    sandbox = running_sandbox(messages, latency_ms, users=users, events=events, extra_folders=32)
    with sandbox as (process, info), tempfile.TemporaryDirectory(prefix="exsync-bench-") as scratch:
        root = Path(scratch)
        if not mailboxes_only:
            _single_mailbox(info, root, figures, peers=peers)
        if mailboxes:
            many = list(range(2, 2 + mailboxes))
            sandbox_before = _cpu_s(process.pid)
            together = _child_sync(info, many, "together", root / "together")
            sandbox_cpu = _cpu_s(process.pid) - sandbox_before
            apart = _child_sync(info, many, "in-turn", root / "apart")
            figures["mailboxes"] = {
                "count": mailboxes,
                "messages": together["messages"],
                "together_s": together["elapsed"],
                "one_by_one_s": apart["elapsed"],
                "together_cpu_s": together["cpu_s"],
                "sandbox_cpu_s": sandbox_cpu,
                "cores": os.cpu_count() or 1,
            }
    return figures


def report(figures: dict[str, Any]) -> None:
    """Print one latency's figures and the ratios the sync issue sets targets for."""
    print(f"latency {figures['latency_ms']} ms, {figures['messages']} messages and "
          f"{figures['events']} events per mailbox")  # fmt: skip
    if "exsync" in figures:
        exsync = figures["exsync"]
        rss = f"peak RSS {exsync['maxrss_mb']:.0f} MB"
        if "raw" in figures:
            naive, raw = figures["naive"], figures["raw"]
            print(f"  raw GetItem ceiling   {raw['msgs_s']:8.0f} msgs/s  {raw['mb_s']:6.1f} MB/s")
            print(f"  naive exchangelib     {naive['msgs_s']:8.0f} msgs/s")
        cpu = f"{exsync['cpu_ms_per_msg']:.2f} ms CPU per message"
        print(f"  exsync first sync     {exsync['msgs_s']:8.0f} msgs/s  {rss}, {cpu}")
        if "raw" in figures:
            print(f"  exsync / naive        {exsync['msgs_s'] / naive['msgs_s']:8.1f}x")
            print(f"  exsync / raw          {exsync['msgs_s'] / raw['msgs_s']:8.2f}")
        noop = figures["noop"]
        print(f"  no-op sync            {noop['seconds']:8.2f} s   requests {noop['requests']}")
    if "mailboxes" in figures:
        many = figures["mailboxes"]
        speedup = many["one_by_one_s"] / many["together_s"]
        print(f"  {many['count']} mailboxes at once   {many['together_s']:8.1f} s vs "
              f"{many['one_by_one_s']:.1f} s one by one: {speedup:.1f}x")  # fmt: skip
        cpu = many["together_cpu_s"] + many["sandbox_cpu_s"]
        floor = cpu / many["cores"]
        print(f"  CPU meanwhile         {many['together_cpu_s']:8.1f} s syncs + "
              f"{many['sandbox_cpu_s']:.1f} s sandbox: on {many['cores']} cores no less than "
              f"{floor:.1f} s at once, so at most {many['one_by_one_s'] / floor:.1f}x "
              "here")  # fmt: skip


def smoke() -> dict[str, Any]:
    """Every path of this benchmark at a tiny size (for a test: proves the bench runs)."""
    figures = run_latency(5, 0, 2, events=2)
    report(figures)
    return figures


def main() -> int:
    """Parse the flags and run every latency."""
    parser = argparse.ArgumentParser(prog="python -m bench.sync_bench", description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--latency-ms", default="0,30")
    parser.add_argument("--events", type=int, default=1000, help="calendar events per mailbox")
    parser.add_argument("--mailboxes", type=int, default=8)
    parser.add_argument(
        "--mailboxes-only", action="store_true", help="only the N mailboxes at once vs in turn"
    )
    parser.add_argument(
        "--no-peers",
        action="store_true",
        help="skip the raw and naive clients (e.g. peak RSS at 50,000 messages)",
    )
    parser.add_argument("--json", action="store_true", help="print the raw figures too")
    args = parser.parse_args()
    for latency in (int(value) for value in args.latency_ms.split(",")):
        figures = run_latency(
            args.messages,
            latency,
            args.mailboxes,
            mailboxes_only=args.mailboxes_only,
            peers=not args.no_peers,
            events=args.events,
        )
        report(figures)
        if args.json:
            print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
