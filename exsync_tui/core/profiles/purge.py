"""Deleting what a profile left behind: mail, calendars, sync state, secrets.

Used when a profile is removed with ``--purge`` and when a disabled profile passes
its retention period. Directories the user may have pointed a profile at by mistake
(their home, ``/``) are never deleted, and neither is mail ``exsync send`` queued
and has not sent yet: it may be the only copy (the mail client was told "sent").
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from exsync_tui.core import paths
from exsync_tui.core.profiles.model import Profile
from exsync_tui.core.secrets import SecretStore


class UnsentMail(Exception):
    """Purging would delete messages ``exsync send`` queued and has not sent yet."""

    def __init__(self, profile_name: str, count: int) -> None:
        self.profile_name, self.count = profile_name, count
        super().__init__(
            f"{profile_name} has {count} unsent message(s) in its send queue (`exsync send "
            f"--queue` lists them): send them first with `exsync send --flush --profile "
            f"{profile_name}`, or drop them with `exsync send --drop ENTRY`"
        )


def unsent_mail(profile: Profile) -> int:
    """How many queued messages of ``profile`` are not sent (an unreadable entry counts)."""
    from exsync_tui.core.send.queue import QueueUnreadable, SendQueue  # send builds on profiles

    queue = SendQueue.of(profile)
    try:
        return len(queue.unsent())
    except QueueUnreadable:
        return max(1, sum(1 for _ in queue.directory.glob("[!.]*")))


@dataclass
class PurgeReport:
    """What a purge removed, kept, and could not remove (path -> reason)."""

    removed_paths: list[Path] = field(default_factory=list)
    removed_secrets: list[str] = field(default_factory=list)
    failed: dict[Path, str] = field(default_factory=dict)


def data_paths(profile: Profile) -> list[Path]:
    """Every local file or directory that belongs to ``profile`` (existing or not)."""
    state = paths.state_dir()
    candidates = [
        profile.effective_mail_dir(),
        profile.effective_calendar_dir(),
        profile.state_dir(),
        state / profile.name,
        *sorted(state.glob(f"{profile.id}.*")),  # e.g. <id>.sqlite, <id>.lock
    ]
    unique: list[Path] = []
    for candidate in candidates:
        if candidate not in unique:
            unique.append(candidate)
    return unique


def _protected(path: Path) -> str | None:
    """Why ``path`` must never be deleted wholesale, or None."""
    resolved = path.resolve()
    home = Path.home().resolve()
    roots = {Path("/"), home, paths.data_dir().resolve(), paths.state_dir().resolve()}
    roots.add(paths.config_dir().resolve())
    if resolved in roots or resolved in home.parents:
        return "refusing to delete a top-level directory"
    return None


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink()  # a symlink is removed, never followed
    else:
        shutil.rmtree(path)


def purge_local_data(
    profile: Profile, report: PurgeReport | None = None, *, drop_unsent: bool = False
) -> PurgeReport:
    """Delete the profile's mail, calendars and state; the empty per-profile data dir too.

    The state directory is kept (and said so in ``failed``) while its send queue
    holds unsent mail, unless ``drop_unsent``.
    """
    report = report or PurgeReport()
    unsent = 0 if drop_unsent else unsent_mail(profile)
    for path in data_paths(profile):
        if not (path.exists() or path.is_symlink()):
            continue
        reason = _protected(path)
        if unsent and path == profile.state_dir():
            reason = f"kept: its send queue holds {unsent} unsent message(s)"
        if reason:
            report.failed[path] = reason
            continue
        try:
            _remove(path)
        except OSError as error:
            report.failed[path] = error.strerror or str(error)
        else:
            report.removed_paths.append(path)
    profile_root = paths.data_dir() / profile.name
    if profile_root.is_dir() and not any(profile_root.iterdir()):
        profile_root.rmdir()
        report.removed_paths.append(profile_root)
    return report


def purge_secrets(
    profile: Profile, store: SecretStore, report: PurgeReport | None = None
) -> PurgeReport:
    """Delete the profile's password and token cache (raises KeyringUnavailable)."""
    report = report or PurgeReport()
    report.removed_secrets.extend(store.delete_all(profile.id))
    return report


def purge_profile_data(profile: Profile, store: SecretStore) -> PurgeReport:
    """Delete the profile's secrets, then its local data (raises KeyringUnavailable first)."""
    report = purge_secrets(profile, store)
    return purge_local_data(profile, report)
