"""`exsync sandbox`: run the local Exchange server (EWS, Autodiscover, DNS) until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

_FAULTS_HELP = """\
fault SPEC: rules separated by ';' or ','; each rule is
  KIND[:ARG][*COUNT | @RATE][/OPERATION]
KIND: 500, 503, busy (ErrorServerBusy; ARG = BackOffMilliseconds, default 1000), drop (close
the connection), hang (no answer until the sandbox stops or faults are cleared), truncate (half
the response body), invalid_sync_state (ErrorInvalidSyncStateData on Sync* operations; Graph
410 SyncStateNotFound on delta), resync_required and bad_delta_token (Graph delta: 410
resyncRequired, 400 badRequest),
password_expired (HTTP 401: the password has expired).
*COUNT hits the next COUNT requests (default *1); @RATE hits that fraction (0 < RATE <= 1).
/OPERATION limits a rule to one SOAP operation.
Examples: '503*3'  'busy:2000@0.1'  'drop*1/SyncFolderItems'  'hang*1;500@0.05'
"""


def _fault_spec(value: str) -> str:
    # Imported here: loading the sandbox costs every other command memory and time.
    from exsync_tui.sandbox.faults import FaultSpecError, parse_faults

    try:
        parse_faults(value)
    except FaultSpecError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None
    return value


def register(subparsers: Any) -> None:
    """Add the `sandbox` subcommand."""
    parser = subparsers.add_parser(
        "sandbox",
        help="run a local Exchange server (EWS, Autodiscover) for trying and testing exsync",
        description=(
            "Run a local Exchange server on loopback with generated mailboxes: EWS and "
            "Autodiscover over HTTPS (Basic and NTLM), an HTTP autodiscover redirect, a DNS "
            "responder and an HTTP control API. Serves until interrupted (SIGINT/SIGTERM)."
        ),
        epilog=_FAULTS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="EWS/Autodiscover port (0: any free)")
    parser.add_argument(
        "--tls",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="serve HTTPS with a generated CA (default) or plain HTTP",
    )
    parser.add_argument("--domain", default="example.com", help="the mail domain")
    parser.add_argument("--users", type=int, default=3, help="number of mailboxes")
    parser.add_argument("--messages", type=int, default=20, help="messages per mailbox")
    parser.add_argument("--events", type=int, default=10, help="calendar events per mailbox")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated mailboxes")
    parser.add_argument(
        "--hostile-names",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="include folder names that break naive clients ('..', slashes, very long, "
        "control characters); --no-hostile-names for clients that cannot cope",
    )
    parser.add_argument(
        "--extra-folders",
        type=int,
        default=0,
        metavar="N",
        help="N more mail folders under Archive (benchmarks of many folders)",
    )
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to each request")
    parser.add_argument("--faults", type=_fault_spec, default="", help="faults to inject (SPEC)")
    parser.add_argument(
        "--state-dir",
        default=None,
        help="keep mailboxes, sync states, the CA and the certificate here across restarts",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON line with the endpoints and users once serving",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from exsync_tui.sandbox import Sandbox, SandboxConfig

    if args.users < 1 or min(args.messages, args.events, args.extra_folders) < 0:
        print("exsync sandbox: --users must be at least 1, counts not negative", file=sys.stderr)
        return 2
    config = SandboxConfig(
        host=args.host,
        port=args.port,
        tls=args.tls,
        domain=args.domain,
        users=args.users,
        messages=args.messages,
        events=args.events,
        seed=args.seed,
        hostile_names=args.hostile_names,
        extra_folders=args.extra_folders,
        latency_ms=args.latency_ms,
        faults=args.faults,
        state_dir=args.state_dir,
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with Sandbox(config) as sandbox:
            info = sandbox.info
            if args.json:
                print(info.to_json(), flush=True)
            else:
                _print_summary(info)
            stop.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


def _print_summary(info: Any) -> None:
    lines = [
        "exsync sandbox is serving (Ctrl-C stops it)",
        f"  EWS:           {info.ews_url}",
        f"  Autodiscover:  {info.autodiscover_url}",
        f"  HTTP redirect: {info.http_url}/autodiscover/autodiscover.xml",
        f"  DNS:           {info.dns_server}",
        f"  Control API:   {info.control_url}",
        f"  CA file:       {info.ca_file or '(plain HTTP)'}",
        f"  Domain:        {info.domain}",
        "  Users:",
    ]
    lines += [f"    {u.email:28} {u.username:20} {u.password}" for u in info.users]
    print("\n".join(lines), flush=True)
