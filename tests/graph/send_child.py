"""``exsync send`` through Graph in a child process, for the kill tests:
``run_forked(main, PROFILE, CONTROL_URL, GRAPH_URL, ...)`` (tests/forked.py), or
``python -m tests.graph.send_child PROFILE CONTROL_URL GRAPH_URL (--flush | RECIPIENT...)``,
the message on standard input.

The command line sends for a Microsoft 365 profile only once it is signed in (a token
cache in the keyring), so this runs the same core entry points (``submit``, ``flush``)
with the Graph sender and a token from the sandbox's HTTP control API (never through
argv or the environment).
``EXSYNC_CRASH_AT`` makes it SIGKILL itself like the real command.
"""

from __future__ import annotations

import sys

from exsync_tui.core.profiles import load_config
from exsync_tui.core.send.deliver import Outcome, flush, submit
from exsync_tui.core.send.outgoing import prepare
from exsync_tui.core.sources.graph_send import graph_sender_factory
from tests.graph.crash_child import control_token


def main(name: str, control_url: str, graph_url: str, *rest: str) -> int:
    profile = load_config().profiles[name]
    token = control_token(control_url, profile.email)
    factory = graph_sender_factory(lambda: token, graph_url, backoff_base_s=0.01)
    if rest == ("--flush",):
        report = flush(profile, "", factory=factory)
        return 0 if report.remaining == 0 and report.busy is None else 1
    outgoing = prepare(sys.stdin.buffer.read(), list(rest), from_headers=False)
    result = submit(profile, "", outgoing, factory=factory)
    print(result.outcome.value, file=sys.stderr)
    return 1 if result.outcome is Outcome.FAILED else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
