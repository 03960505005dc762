"""Installed in every Python child of a test (this directory is put on PYTHONPATH).

Refuses non-loopback connects, sends and name lookups exactly as the in-process
guard does, and appends each refusal to the file named by
``EXSYNC_TEST_NETWORK_VIOLATIONS``, which the parent test reads at teardown: a
child that swallows the error still fails the test. Without that variable (this
directory reached PYTHONPATH some other way) it does nothing.
"""

from __future__ import annotations

import os
import socket

from loopback_refusal import (  # type: ignore[import-not-found]  # top-level in the child
    VIOLATIONS_FILE_ENV,
    LoopbackGuard,
    appending_to,
    socket_replacements,
)

_violations_file = os.environ.get(VIOLATIONS_FILE_ENV)
if _violations_file:
    _guard = LoopbackGuard(on_violation=appending_to(_violations_file))
    for _owner, _name, _replacement in socket_replacements(_guard):
        setattr(_owner, _name, _replacement)
    socket.exsync_test_loopback_guard = _guard  # type: ignore[attr-defined]  # proof it is on
