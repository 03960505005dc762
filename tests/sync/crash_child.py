"""The real sync child of a saved profile, for the kill tests: ``run_forked(main, PROFILE)``.

A kill test needs the process that dies at a crash point, which is the per-mailbox
child (:mod:`exsync_tui.core.sync.child`), not the ``exsync sync`` around it.
This hands that child its order as the runner does (pickled on its stdin, the
job prepared by :func:`~exsync_tui.core.sync.jobs.prepare_job` as ``exsync sync``
prepares it) and runs it. That ``exsync sync`` itself then dies by SIGKILL too is
tested once per kind of sync in tests/sync/test_sync_crash.py.
"""

from __future__ import annotations

import os
import pickle
import sys

from exsync_tui.core.profiles import load_config
from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.sync import child
from exsync_tui.core.sync.jobs import prepare_job
from exsync_tui.core.sync.runner import ChildOrder, Job


def main(name: str) -> int:
    """Sync profile ``name`` in this process exactly as its sync child would."""
    job = prepare_job(load_config().profiles[name], SecretStore())
    assert isinstance(job, Job), job
    read, write = os.pipe()
    os.write(write, pickle.dumps(ChildOrder(job, os.getppid())))
    os.dup2(read, 0)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - the child's own stdin
    # ``write`` stays open for good: the child reads its parent's commands until the end of
    # this pipe, and takes that end for its parent's death (it would cancel the sync).
    return child.main()
