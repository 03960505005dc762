"""Fixed sync states for the snapshots and ``make screenshots``: running, cancelled, failed, done.

The board is fed recorded engine events against a fake clock, so the pictures
show real rendering of real event sequences without a network or real time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot

from exsync_tui.core.sync.events import (
    FolderChanged,
    FolderCounts,
    FolderDone,
    FolderStarted,
    MailboxDone,
    MailboxStarted,
    MassDeleteHeld,
    Progress,
    SyncEvent,
    SyncWarning,
)
from exsync_tui.core.sync.record import LocalCounts
from exsync_tui.ui.app import ExsyncApp


class FakeClock:
    """A monotonic clock the scenario moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _alice_running(t: FakeClock) -> list[tuple[float, SyncEvent]]:
    return [
        (0.0, MailboxStarted("work")),
        (0.5, FolderChanged("work", "created", "Projects/2026")),
        (0.6, FolderStarted("work", "INBOX", "mail")),
        (4.0, Progress("work", "INBOX", 1200, None, 30_500_000)),
        (4.1, FolderDone("work", "INBOX", "mail", FolderCounts(new=1200, bytes=30_500_000))),
        (4.2, FolderStarted("work", "Projects", "mail")),
        (4.5, SyncWarning("work", "message not stored: larger than 150 MB", folder="Projects")),
        (8.0, Progress("work", "Projects", 640, None, 12_800_000)),
    ]


def _cloud_events() -> list[tuple[float, SyncEvent]]:
    return [
        (0.0, MailboxStarted("cloud")),
        (1.0, FolderStarted("cloud", "INBOX", "mail")),
        (3.0, Progress("cloud", "INBOX", 300, None, 4_100_000)),
        (3.2, MailboxDone("cloud", False, topic="server-busy", detail="the server said busy")),
    ]


def _feed(app: ExsyncApp, clock: FakeClock, events: list[tuple[float, SyncEvent]]) -> None:
    board = app.syncs.board
    start = clock.now
    for at, event in sorted(events, key=lambda pair: pair[0]):
        clock.now = start + at
        board.apply(event)


def _prepare(app: ExsyncApp) -> FakeClock:
    clock = FakeClock()
    app.syncs.board.clock = clock
    app.syncs.local = {
        "work": LocalCounts(messages=4210, events=86),
        "lab": LocalCounts(messages=120, events=0),
    }
    return clock


def running(app: ExsyncApp) -> None:
    """``work`` midway through its second folder; ``cloud`` failed with the server busy."""
    clock = _prepare(app)
    _feed(app, clock, _alice_running(clock) + _cloud_events())
    clock.now += 2.0


def cancelled(app: ExsyncApp) -> None:
    """``work`` stopped by the user in its second folder."""
    clock = _prepare(app)
    done = (9.0, FolderDone("work", "Projects", "mail", FolderCounts(new=640), "cancelled"))
    end = (9.1, MailboxDone("work", False, elapsed_s=9.1, topic="cancelled", detail="cancelled"))
    _feed(app, clock, [*_alice_running(clock), done, end])


def finished(app: ExsyncApp) -> None:
    """Both mailboxes over: ``work`` synced with a mass delete held, ``cloud`` failed."""
    clock = _prepare(app)
    more = [
        (9.0, FolderDone("work", "Projects", "mail", FolderCounts(new=700, changed=3, moved=2))),
        (9.5, MassDeleteHeld("work", "Archive", 480, 500, "96% of the folder")),
        (9.6, FolderDone("work", "Archive", "mail", FolderCounts(deleted=0))),
        (10.0, MailboxDone("work", True, FolderCounts(new=1900), 10.0, held=1)),
    ]
    _feed(app, clock, _alice_running(clock) + _cloud_events() + more)


def with_sync(
    setup: Callable[[ExsyncApp], None], *, open_screen: bool, expand: tuple[str, ...] = ()
) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A scenario step: settle, set the board up, and open the sync screen if asked."""

    async def run(pilot: Pilot[None]) -> None:
        from exsync_tui.ui.screens.sync import SyncScreen

        app: ExsyncApp = pilot.app  # type: ignore[assignment]
        await pilot.pause()
        await app.workers.wait_for_complete()
        setup(app)
        app.refresh_dashboard()
        if open_screen:
            screen = SyncScreen()
            screen.expanded.update(expand)
            await app.push_screen(screen)
        await pilot.pause()
        app.repaint_sync()
        await pilot.pause()

    return run
