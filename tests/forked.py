"""Running a test's child process without paying for a new interpreter each time.

A kill test needs a *process* to die at a crash point, not a fresh interpreter:
starting one costs about 1.2 s of CPU to import exchangelib, and the kill tests
start hundreds. :func:`run_forked` runs a module-level function in a process
forked from a fork server (:mod:`multiprocessing`'s ``forkserver``, one per
pytest worker) that imported exsync once. The fork server is a single-threaded
process of its own, so a child inherits no pytest state, no sandbox threads and
no open connection of the test: only the imports.

What a child of ``subprocess`` would get, it gets here too: the test's
environment as it is now (XDG directories, ``EXSYNC_CRASH_AT``, keyring
backend), its working directory, stdin, captured stdout and stderr, an exit
status (``-SIGKILL`` for a crash point), and the loopback guard reporting to the
test's violations file (what ``tests/child_guard/sitecustomize.py`` does in a
new interpreter).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing import forkserver
from pathlib import Path

from tests.child_guard.loopback_refusal import (
    VIOLATIONS_FILE_ENV,
    LoopbackGuard,
    appending_to,
    socket_replacements,
)

PRELOAD = [
    "exsync_tui.cli",
    "exsync_tui.core.sync.child",
    "exsync_tui.core.sync.engine",
    "exsync_tui.core.send.before_sync",
    "exsync_tui.core.send.deliver",
    "exsync_tui.core.sources.ews",
    "exsync_tui.core.sources.graph_send",
    "tests.forked",
    "tests.graph.crash_child",
    "tests.graph.send_child",
    "tests.sync.crash_child",
]
"""What the fork server imports once, so that no child imports it again."""

_TIMEOUT_S = 120.0


@contextmanager
def _without_test_guard() -> Iterator[None]:
    """The fork server must not start with one test's guard variables: each child sets its own."""
    saved = {k: os.environ.pop(k) for k in ("PYTHONPATH", VIOLATIONS_FILE_ENV) if k in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


_started: list[multiprocessing.context.ForkServerContext] = []


def _context() -> multiprocessing.context.ForkServerContext:
    """The fork server of this process, started on first use with the modules preloaded."""
    if _started:
        return _started[0]
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    with _without_test_guard():
        forkserver.ensure_running()
    # Reap the server when pytest exits: no process outlives the run, and the CPU time of
    # every child (which the server reaped) counts in pytest's own, as a subprocess's would.
    atexit.register(forkserver._forkserver._stop)  # type: ignore[attr-defined]
    _started.append(context)  # type: ignore[arg-type]
    return _started[0]


def _child(
    target: Callable[..., int],
    args: tuple[str, ...],
    environ: dict[str, str],
    cwd: str,
    streams: tuple[str, str, str],
) -> None:
    """In the forked process: become the test's child, run ``target``, exit with its code."""
    os.environ.clear()
    os.environ.update(environ)
    os.chdir(cwd)
    violations = environ.get(VIOLATIONS_FILE_ENV)
    if violations:
        guard = LoopbackGuard(on_violation=appending_to(violations))
        for owner, name, replacement in socket_replacements(guard):
            setattr(owner, name, replacement)
    for fd, (path, mode) in enumerate(zip(streams, ("rb", "wb", "wb"), strict=True)):
        with open(path, mode) as file:
            os.dup2(file.fileno(), fd)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - lives as long as the process
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    code = 1
    try:
        code = target(*args)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def exsync(*argv: str) -> int:
    """The ``exsync`` command line with ``argv``: what ``python -m exsync_tui`` runs."""
    from exsync_tui.cli import main

    return main(list(argv))


def run_forked(
    target: Callable[..., int],
    *args: str,
    stdin: bytes = b"",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """``target(*args)`` in a forked child, as ``subprocess.run`` would run a command.

    ``target`` is a module-level function (the fork server imports it by name)
    returning the exit code; ``env`` is added to the test's environment.
    """
    context = _context()
    with tempfile.TemporaryDirectory(prefix="exsync-forked-") as scratch:
        paths = tuple(str(Path(scratch) / name) for name in ("stdin", "stdout", "stderr"))
        for path, content in zip(paths, (stdin, b"", b""), strict=True):
            Path(path).write_bytes(content)  # all there even if the child dies at once
        environ = {**os.environ, **(env or {})}
        process = context.Process(
            target=_child, args=(target, args, environ, os.getcwd(), paths), daemon=False
        )
        process.start()
        process.join(_TIMEOUT_S)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired([target.__qualname__, *args], _TIMEOUT_S)
        out, err = (Path(p).read_bytes() for p in paths[1:])
    return subprocess.CompletedProcess([target.__qualname__, *args], process.exitcode, out, err)
