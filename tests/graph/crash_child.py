"""The Graph sync of a saved profile in a child process, for the kill tests:
``run_forked(main, PROFILE, CONTROL_URL, GRAPH_URL)`` (tests/forked.py), or
``python -m tests.graph.crash_child PROFILE CONTROL_URL GRAPH_URL``.

``exsync sync`` syncs a Microsoft 365 profile only once it is signed in (a token
cache in the keyring), so this runs the same engine entry point with the Graph
source and a token from the sandbox's HTTP control API (never through argv or the
environment).
``EXSYNC_CRASH_AT`` makes it SIGKILL itself like the real command.
"""

from __future__ import annotations

import sys

import requests

from exsync_tui.core.profiles import load_config
from exsync_tui.core.sync.engine import graph_source_factory, sync_profile


def control_token(control_url: str, email: str) -> str:
    """An access token for ``email`` from the sandbox's HTTP control API."""
    answer = requests.post(f"{control_url}/issue_access_token", json={"email": email}, timeout=30)
    answer.raise_for_status()
    return str(answer.json()["result"])


def main(name: str, control_url: str, graph_url: str) -> int:
    profile = load_config().profiles[name]
    token = control_token(control_url, profile.email)
    factory = graph_source_factory(lambda: token, graph_url, backoff_base_s=0.01)
    result = sync_profile(profile, "", office365_source=factory)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
