"""Run ``exsync`` in this process and write its own peak RSS (VmHWM) to ``$EXSYNC_TEST_PEAK_RSS``.

``ru_maxrss`` from ``wait4`` is not the child's own: Linux carries the parent's high-water
mark across fork and exec, so a child of a test worker that has grown to 150 MB reports
150 MB whatever it did. ``VmHWM`` in ``/proc/self/status`` belongs to this process's
address space alone, which exec started afresh.
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys
from pathlib import Path


def _write_peak() -> None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            Path(os.environ["EXSYNC_TEST_PEAK_RSS"]).write_text(line.split()[1])  # KiB


if __name__ == "__main__":
    atexit.register(_write_peak)
    sys.argv = ["exsync", *sys.argv[1:]]
    runpy.run_module("exsync_tui", run_name="__main__")
