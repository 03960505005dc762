"""Syncing one profile: lock, recover, hierarchy, every selected folder, clean up.

:func:`sync_profile` is what each profile's sync process runs (see
:mod:`exsync_tui.core.sync.runner`); tests call it in-process. It never raises
for a failure of the mailbox: the result names the help topic (the same topics
as connecting), and the events said what happened on the way. One sync per
profile runs at a time (a file lock); a second one returns at once with ``locked``.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from exsync_tui.core.diagnose.classify import TopicError, classify
from exsync_tui.core.profiles import Profile, SyncDirection
from exsync_tui.core.sources import MailboxSource
from exsync_tui.core.store.errors import StoreError
from exsync_tui.core.store.folder_names import Layout
from exsync_tui.core.store.lock import ProfileLock, SyncLocked
from exsync_tui.core.store.maildir import MaildirStore
from exsync_tui.core.store.recovery import recover
from exsync_tui.core.store.state import DB_NAME, FolderRecord, StateDB
from exsync_tui.core.store.vdir import VdirStore
from exsync_tui.core.sync import crashpoints
from exsync_tui.core.sync.calendar import sync_calendar_folder
from exsync_tui.core.sync.context import SyncContext, SyncOptions
from exsync_tui.core.sync.events import (
    EventSink,
    FolderCounts,
    MailboxDone,
    MailboxStarted,
    ignore,
)
from exsync_tui.core.sync.first_pages import FirstPages
from exsync_tui.core.sync.folders import sync_mail_folder, sync_postponed
from exsync_tui.core.sync.hierarchy import sync_hierarchy
from exsync_tui.core.sync.push import push_local_changes

SourceFactory = Callable[[Profile, str, threading.Event], MailboxSource]


@dataclass(frozen=True)
class SyncResult:
    """How one profile's sync ended."""

    profile: str
    ok: bool
    counts: FolderCounts = field(default_factory=FolderCounts)
    topic: str | None = None
    detail: str = ""
    locked: bool = False
    held: int = 0
    elapsed_s: float = 0.0


def ews_source(profile: Profile, password: str, cancel: threading.Event) -> MailboxSource:
    """The EWS source for a profile, with the profile's connection count."""
    from exsync_tui.core.sources.ews import EwsSource

    return EwsSource.from_profile(
        profile, password, cancel=cancel, max_connections=profile.sync.connections
    )


def graph_source_factory(
    tokens: Callable[[], str], graph_url: str, **settings: object
) -> SourceFactory:
    """A factory of Graph sources for Microsoft 365 profiles: ``tokens`` hands out bearer
    tokens (the password argument is not used); ``settings`` override GraphSettings."""

    def build(profile: Profile, _password: str, cancel: threading.Event) -> MailboxSource:
        from exsync_tui.core.sources.graph import GraphSource
        from exsync_tui.core.sources.graph_settings import graph_settings_from_profile

        found = graph_settings_from_profile(profile, graph_url, **settings)
        return GraphSource(found, tokens, cancel=cancel)

    return build


def is_office365(profile: Profile) -> bool:
    """True for a profile that syncs through Microsoft Graph (connect's own reading)."""
    from exsync_tui.core.connect.request import request_from_profile

    return request_from_profile(profile, "").office365


def default_source(profile: Profile, secret: str, cancel: threading.Event) -> MailboxSource:
    """The source a profile syncs through: Microsoft Graph for a Microsoft 365 profile (the
    secret is then its access token, refreshed silently when Graph refuses it), EWS for
    every other (the secret is its password)."""
    if not is_office365(profile):
        return ews_source(profile, secret, cancel)
    from exsync_tui.core.m365.session_tokens import graph_session

    tokens, graph_url = graph_session(profile, secret, cancel)
    return graph_source_factory(tokens, graph_url)(profile, secret, cancel)


def options_for(profile: Profile, **overrides: object) -> SyncOptions:
    """The sync options a profile's settings ask for, with command-line overrides."""
    sync = profile.sync
    base = SyncOptions(
        mail=sync.mail,
        calendar=sync.calendar,
        mass_delete_threshold=sync.mass_delete_percent / 100,
        push=sync.sync_direction is SyncDirection.BOTH,
        folders_include=sync.folders_include,
        folders_exclude=sync.folders_exclude,
        calendar_past_days=sync.calendar_past_days,
        calendar_future_days=sync.calendar_future_days,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def _display_paths(folders: list[FolderRecord]) -> dict[str, str]:
    by_id = {f.remote_id: f for f in folders}
    paths: dict[str, str] = {}
    for folder in folders:
        names: list[str] = []
        seen: set[str] = set()
        current: FolderRecord | None = folder
        while current is not None and current.remote_id not in seen:
            seen.add(current.remote_id)
            names.append(current.display_name)
            current = by_id.get(current.parent_id or "")
        paths[folder.remote_id] = "/".join(reversed(names))
    return paths


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    lowered = path.lower()
    for pattern in patterns:
        wanted = pattern.strip("/").lower()
        if lowered == wanted or lowered.startswith(wanted + "/"):
            return True
        if "/" not in wanted and lowered.rsplit("/", 1)[-1] == wanted:
            return True
    return False


def selected_folders(state: StateDB, options: SyncOptions) -> list[FolderRecord]:
    """The folders this run syncs: by kind, then ``folders_include``/``folders_exclude``."""
    folders = state.folders()
    paths = _display_paths(folders)
    chosen = []
    for folder in sorted(folders, key=lambda f: (f.kind != "mail", paths[f.remote_id].lower())):
        if folder.kind == "mail" and not options.mail:
            continue
        if folder.kind == "calendar" and not options.calendar:
            continue
        path = paths[folder.remote_id]
        if options.folders_include and not _matches(path, options.folders_include):
            continue
        if _matches(path, options.folders_exclude):
            continue
        chosen.append(folder)
    return chosen


def _run(ctx: SyncContext) -> FolderCounts:
    sync_hierarchy(ctx)
    # Local changes go first: the pull that follows would otherwise take the server's
    # flags over them, and the conflict rules need the state as the last sync left it.
    push_local_changes(ctx, selected_folders(ctx.state, ctx.options))
    counts = FolderCounts()
    folders = selected_folders(ctx.state, ctx.options)
    with FirstPages(ctx.source, ctx.options.page_size) as first_pages:
        first_pages.ask(folder for folder in folders if folder.kind == "mail")
        ctx.first_pages = first_pages
        for folder in folders:
            ctx.check_cancel()
            current = ctx.state.folder(folder.remote_id)
            if current is None:
                continue  # deleted by the hierarchy sync of this very run
            if current.kind == "mail":
                counts = counts.plus(sync_mail_folder(ctx, current))
            else:
                counts = counts.plus(sync_calendar_folder(ctx, current))
        return counts.plus(sync_postponed(ctx))


def sync_profile(
    profile: Profile,
    password: str,
    options: SyncOptions | None = None,
    *,
    emit: EventSink = ignore,
    cancel: threading.Event | None = None,
    source_factory: SourceFactory = default_source,
    office365_source: SourceFactory | None = None,
) -> SyncResult:
    """Sync one profile's mail and calendars to disk; never raises for a mailbox failure.

    A Microsoft 365 profile syncs through ``office365_source`` when given (see
    :func:`graph_source_factory`), any other through ``source_factory``.
    """
    if office365_source is not None and is_office365(profile):
        source_factory = office365_source
    options = options or options_for(profile)
    cancel = cancel or threading.Event()
    started = time.monotonic()

    def finish(result: SyncResult) -> SyncResult:
        done = MailboxDone(
            profile.name,
            result.ok,
            result.counts,
            round(time.monotonic() - started, 3),
            result.topic,
            result.detail,
            result.held,
        )
        emit(done)
        return replace(result, elapsed_s=done.elapsed_s)

    lock = ProfileLock(profile.state_dir())
    try:
        lock.acquire()
    except SyncLocked as error:
        return finish(SyncResult(profile.name, False, topic="sync-locked", detail=str(error),
                                 locked=True))  # fmt: skip
    try:
        return finish(_locked_run(profile, password, options, emit, cancel, source_factory))
    finally:
        lock.release()


@contextmanager
def _state_for(profile: Profile, options: SyncOptions) -> Iterator[StateDB]:
    """The profile's state; for a dry run, a throwaway copy, so planning can write to it."""
    if not options.dry_run:
        with StateDB.open(profile.state_dir()) as state:
            yield state
        return
    with tempfile.TemporaryDirectory(prefix="exsync-dry-run-") as scratch:
        source = profile.state_dir() / DB_NAME
        if source.exists():
            with (
                closing(sqlite3.connect(source)) as live,
                closing(sqlite3.connect(Path(scratch) / DB_NAME)) as copy,
            ):
                live.backup(copy)
        with StateDB.open(Path(scratch)) as state:
            yield state


def _locked_run(
    profile: Profile,
    password: str,
    options: SyncOptions,
    emit: EventSink,
    cancel: threading.Event,
    source_factory: SourceFactory,
) -> SyncResult:
    emit(MailboxStarted(profile.name))
    layout = Layout(profile.sync.maildir_layout.value)
    ctx: SyncContext | None = None
    try:
        with _state_for(profile, options) as state:
            maildir = MaildirStore(profile.effective_mail_dir(), layout)
            vdir = VdirStore(profile.effective_calendar_dir())
            if not options.dry_run:
                recover(state, maildir, vdir)
            with source_factory(profile, password, cancel) as source:
                ctx = SyncContext(profile.name, source, state, maildir, vdir, options, emit, cancel)
                try:
                    counts = _run(ctx)
                finally:
                    crashpoints.reached("run-before-cleanup")
                    if not options.dry_run:
                        recover(state, maildir, vdir)  # deletes what no folder claimed
            return SyncResult(profile.name, True, counts, held=ctx.held)
    except TopicError as error:
        found = classify(error, cancelled=cancel.is_set())
        return SyncResult(profile.name, False, topic=found.topic_id, detail=found.detail,
                          held=ctx.held if ctx else 0)  # fmt: skip
    except (StoreError, sqlite3.Error) as error:
        return SyncResult(profile.name, False, topic="local-store-error", detail=str(error))
    except OSError as error:
        detail = f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")
        return SyncResult(profile.name, False, topic="local-store-error", detail=detail)
