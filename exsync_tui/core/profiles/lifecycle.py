"""Adding, removing and recording outcomes on profiles: one implementation for CLI and UI.

Each function takes the config change it has to make as a callable (``save``)
instead of loading and saving the file itself, so the headless commands can
apply it to the config they loaded (:func:`saving_into`, :func:`saving_fresh`)
and the terminal UI can run it through its own serialised ``save_change``.
The order of keyring and config writes, and what is undone when a write
fails, is decided here only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar

from exsync_tui.core.profiles.model import Config, MailboxMetadata, Profile
from exsync_tui.core.profiles.purge import (
    PurgeReport,
    UnsentMail,
    purge_local_data,
    purge_secrets,
    unsent_mail,
)
from exsync_tui.core.profiles.toml_io import SaveResult, load_config, save_config
from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.steps import Diagnosis

ConfigChange = Callable[[Config], None]
"""Changes a config in place; a ``save`` callable applies it and writes the result."""

_Saved = TypeVar("_Saved")


def saving_into(config: Config) -> Callable[[ConfigChange], SaveResult]:
    """A ``save`` that applies the change to ``config`` (already loaded) and writes it."""

    def save(change: ConfigChange) -> SaveResult:
        change(config)
        return save_config(config)

    return save


def saving_fresh(path: Path | None = None) -> Callable[[ConfigChange], SaveResult]:
    """A ``save`` that reads the config file anew, applies the change and writes it.

    For changes made long after the config was loaded (after connecting), so
    that edits made meanwhile, e.g. in the terminal UI, are not overwritten.
    """

    def save(change: ConfigChange) -> SaveResult:
        config = load_config(path)
        change(config)
        return save_config(config, path)

    return save


def _keeping_keyring_consistent(
    profile_id: str,
    password: str | None,
    store: SecretStore,
    write_config: Callable[[], _Saved],
    *,
    is_new: bool,
) -> _Saved:
    """Store ``password`` first, then write the config; put the keyring back if that fails.

    The password goes first so a saved profile never lacks the password it was
    saved with; when the config write fails, the previous password (none for a
    new profile) is restored so no half-added mailbox remains.
    """
    if password is None:
        return write_config()
    previous = None if is_new else store.get_password(profile_id)
    store.set_password(profile_id, password)
    try:
        return write_config()
    except BaseException:
        if previous is None:
            store.delete_password(profile_id)
        else:
            store.set_password(profile_id, previous)
        raise


def add_profile(
    profile: Profile,
    password: str | None,
    store: SecretStore,
    save: Callable[[ConfigChange], _Saved],
) -> _Saved:
    """Add ``profile`` with its password (None: store none); returns what ``save`` returned.

    Raises what the keyring or ``save`` raise (ConfigError for a name or id
    clash); nothing half-written stays behind.
    """

    def change(config: Config) -> None:
        config.add(profile)

    return _keeping_keyring_consistent(
        profile.id, password, store, lambda: save(change), is_new=True
    )


def update_profile(
    old_name: str,
    profile: Profile,
    password: str | None,
    store: SecretStore,
    save: Callable[[ConfigChange], _Saved],
) -> _Saved:
    """Replace the profile ``old_name`` by ``profile`` (a rename is fine), with a new password.

    With ``password`` None the stored password is left alone. When ``save``
    fails, the keyring holds the previous password again.
    """

    def change(config: Config) -> None:
        config.update(old_name, profile)

    return _keeping_keyring_consistent(
        profile.id, password, store, lambda: save(change), is_new=False
    )


@dataclass(frozen=True)
class Removal(Generic[_Saved]):
    """What :func:`remove_profile` did: ``save``'s result and, with purge, what was deleted."""

    saved: _Saved
    purged: PurgeReport | None


def remove_profile(
    profile: Profile,
    save: Callable[[ConfigChange], _Saved],
    *,
    purge_with: SecretStore | None = None,
    drop_unsent: bool = False,
) -> Removal[_Saved]:
    """Take ``profile`` out of the config; with ``purge_with``, delete its secrets and data too.

    The order is secrets, config, local data: an unavailable keyring stops the
    removal before anything is changed, and local data is only deleted once the
    profile is gone from the config. Failures to delete a path are in
    ``purged.failed``, not raised. A purge of a profile whose send queue holds
    unsent mail raises :class:`UnsentMail` before anything changes, unless
    ``drop_unsent``: once the profile is gone, nothing could send that mail.
    """
    report: PurgeReport | None = None
    if purge_with is not None:
        if not drop_unsent and (count := unsent_mail(profile)):
            raise UnsentMail(profile.name, count)
        report = purge_secrets(profile, purge_with)

    def change(config: Config) -> None:
        current = config.by_id(profile.id)
        if current is not None:
            config.remove(current.name)

    saved = save(change)
    if report is not None:
        purge_local_data(profile, report, drop_unsent=drop_unsent)
    return Removal(saved=saved, purged=report)


def outcome_metadata(
    current: MailboxMetadata,
    diagnosis: Diagnosis,
    learned: MailboxMetadata | None = None,
) -> MailboxMetadata | None:
    """The metadata to keep after a connect or doctor run; None when nothing changes.

    A failure records its help topic; a success clears it and sets
    ``last_verified`` (taking everything ``learned`` when the run learned it).
    A failure without a topic says nothing new.
    """
    if not diagnosis.ok:
        topic = diagnosis.topic.id if diagnosis.topic is not None else None
        if topic is None or current.last_error_topic == topic:
            return None
        return replace(current, last_error_topic=topic)
    if learned is not None:
        return replace(learned, last_error_topic=None)
    return replace(current, last_error_topic=None, last_verified=datetime.now(UTC))


def record_outcome(
    profile: Profile,
    diagnosis: Diagnosis,
    save: Callable[[ConfigChange], _Saved],
    *,
    learned: MailboxMetadata | None = None,
) -> _Saved | None:
    """Remember on the saved profile how connecting or diagnosing it went.

    So the dashboard shows why a mailbox is unhappy, whether the run was in the
    terminal UI or headless. The profile is found by id (renames meanwhile are
    fine; a profile removed meanwhile stays removed). Returns None, without
    saving, when the profile already says so.
    """
    return update_metadata(
        profile, lambda current: outcome_metadata(current, diagnosis, learned), save
    )


def update_metadata(
    profile: Profile,
    compute: Callable[[MailboxMetadata], MailboxMetadata | None],
    save: Callable[[ConfigChange], _Saved],
) -> _Saved | None:
    """Save ``compute(metadata)`` on the saved profile (found by id; None: nothing to save).

    Returns None, without saving, when ``compute`` says nothing changes.
    """
    if compute(profile.metadata) is None:
        return None

    def change(config: Config) -> None:
        current = config.by_id(profile.id)
        if current is None:
            return  # removed meanwhile: stays removed
        metadata = compute(current.metadata)
        if metadata is not None:
            config.update(current.name, replace(current, metadata=metadata))

    return save(change)
