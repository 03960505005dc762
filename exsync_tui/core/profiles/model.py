"""The profile model: what a mailbox profile and the whole config hold.

Profiles and their parts are immutable; change them with
:func:`dataclasses.replace` and put the result back into :class:`Config`.
Secrets are never part of this model: they live in the keyring, keyed by
:attr:`Profile.id`, so renaming a profile keeps them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from exsync_tui.core import paths
from exsync_tui.core.profiles.errors import ConfigError, ConfigWarning

SCHEMA_VERSION = 1
"""The config layout this version of exsync reads and writes."""

DEFAULT_CALENDAR_PAST_DAYS = 30
DEFAULT_CALENDAR_FUTURE_DAYS = 365
DEFAULT_RETENTION_DAYS = 30
"""How long a disabled profile's local data is kept before it is purged."""
DEFAULT_CONNECTIONS = 4
DEFAULT_MASS_DELETE_PERCENT = 50


class ConnectionMode(StrEnum):
    """How the server is found."""

    AUTODISCOVER = "autodiscover"
    MANUAL = "manual"
    OFFICE365 = "office365"


class MaildirLayout(StrEnum):
    """How nested folders are laid out on disk.

    ``verbatim``: ``Inbox/Projects`` (mbsync's ``SubFolders Verbatim``);
    ``maildir++``: ``.Inbox.Projects`` under the root (Courier, Dovecot).
    """

    VERBATIM = "verbatim"
    MAILDIRPP = "maildir++"


class AuthType(StrEnum):
    """How exsync signs in. ``auto`` lets the server's offer decide."""

    AUTO = "auto"
    NTLM = "ntlm"
    BASIC = "basic"
    OAUTH = "oauth"


@dataclass(frozen=True)
class TlsTrust:
    """Extra TLS trust for one profile; with neither set, the system CA store decides.

    ``pin_sha256`` is the certificate's SHA-256 fingerprint as 64 lowercase hex digits.
    """

    ca_file: Path | None = None
    pin_sha256: str | None = None


class SyncDirection(StrEnum):
    """Which way a sync carries changes.

    ``pull``: the server's changes to the local copy only (local changes are
    overwritten or ignored); ``both``: local flags, moves and deletions go back
    to the server first (EWS only for now).
    """

    PULL = "pull"
    BOTH = "both"


@dataclass(frozen=True)
class Office365Settings:
    """How a Microsoft 365 profile signs in (see :mod:`exsync_tui.core.m365`).

    ``client_id`` None means the config's top-level ``[office365] client_id``;
    ``authority`` None means Microsoft's public cloud with ``tenant``;
    ``graph_url`` None means ``https://graph.microsoft.com``.
    """

    tenant: str = "organizations"
    client_id: str | None = None
    authority: str | None = None
    graph_url: str | None = None


@dataclass(frozen=True)
class SyncSelection:
    """What to sync, and how. Empty ``folders_include`` means every folder.

    ``connections`` bounds the requests in flight per mailbox;
    ``mass_delete_percent`` is the share of a folder's messages a run may delete
    before it stops and asks (a whole non-empty folder always asks);
    ``sync_direction`` says whether local changes go back to the server;
    ``include_hidden_folders`` also syncs the mail folders Outlook hides (Graph lists
    them only when asked; EWS lists every folder).
    """

    mail: bool = True
    calendar: bool = True
    folders_include: tuple[str, ...] = ()
    folders_exclude: tuple[str, ...] = ()
    calendar_past_days: int = DEFAULT_CALENDAR_PAST_DAYS
    calendar_future_days: int = DEFAULT_CALENDAR_FUTURE_DAYS
    maildir_layout: MaildirLayout = MaildirLayout.VERBATIM
    connections: int = DEFAULT_CONNECTIONS
    mass_delete_percent: int = DEFAULT_MASS_DELETE_PERCENT
    sync_direction: SyncDirection = SyncDirection.BOTH
    include_hidden_folders: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class MailboxMetadata:
    """What exsync learned about the mailbox when it last connected.

    ``last_error_topic`` is the help-topic id of the last failed connect or sync (None
    after a success), so the dashboard can show why a mailbox is unhappy;
    ``last_synced`` is when a sync last completed.
    """

    primary_smtp_address: str | None = None
    ews_url: str | None = None
    server_version: str | None = None
    auth_type: str | None = None
    granted_scopes: tuple[str, ...] = ()
    last_verified: datetime | None = None
    last_error_topic: str | None = None
    last_synced: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def new_profile_id() -> str:
    """A fresh, stable profile id (uuid4 as 32 hex digits)."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Profile:
    """One mailbox: how to reach it, where its data goes, and what was learned about it.

    ``server`` is a host name (``mail.example.com``), ``ews_url`` a full https
    EWS address; manual mode needs one of them. ``username`` is None (use the
    email), ``user@domain.com`` or ``DOMAIN\\user``. ``mail_dir`` and
    ``calendar_dir`` are None for the defaults; use :meth:`effective_mail_dir`
    and :meth:`effective_calendar_dir` for the paths to use.
    """

    name: str
    id: str
    email: str
    username: str | None = None
    mode: ConnectionMode = ConnectionMode.AUTODISCOVER
    server: str | None = None
    ews_url: str | None = None
    auth: AuthType = AuthType.AUTO
    tls: TlsTrust = field(default_factory=TlsTrust)
    connect_to: tuple[str, ...] = ()
    password_command: tuple[str, ...] | None = None
    mail_dir: Path | None = None
    calendar_dir: Path | None = None
    sync: SyncSelection = field(default_factory=SyncSelection)
    enabled: bool = True
    disabled_at: datetime | None = None
    retention_days: int = DEFAULT_RETENTION_DAYS
    sync_interval_minutes: int = 0  # the TUI syncs this often while open; 0: never by itself
    metadata: MailboxMetadata = field(default_factory=MailboxMetadata)
    office365: Office365Settings = field(default_factory=Office365Settings)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def sign_in_name(self) -> str:
        """The name to sign in with: the username, or the email when none is set."""
        return self.username or self.email

    def effective_mail_dir(self) -> Path:
        """The Maildir root: ``mail_dir`` or ``data_dir()/<name>/mail``."""
        if self.mail_dir is not None:
            return self.mail_dir.expanduser()
        return paths.data_dir() / self.name / "mail"

    def effective_calendar_dir(self) -> Path:
        """The root of the calendar vdirs: ``calendar_dir`` or ``data_dir()/<name>/calendars``."""
        if self.calendar_dir is not None:
            return self.calendar_dir.expanduser()
        return paths.data_dir() / self.name / "calendars"

    def state_dir(self) -> Path:
        """Where this profile's sync state lives: ``state_dir()/<id>`` (survives renames)."""
        return paths.state_dir() / self.id

    def disabled(self, when: datetime) -> Profile:
        """A copy of this profile, disabled at ``when`` (kept if it was already disabled)."""
        if not self.enabled:
            return self
        return replace(self, enabled=False, disabled_at=when)

    def reenabled(self) -> Profile:
        """A copy of this profile, enabled again."""
        return replace(self, enabled=True, disabled_at=None)


@dataclass
class UiSettings:
    """TUI preferences: a theme name and key bindings (Textual binding id -> keys)."""

    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Config:
    """The whole config file.

    ``profiles`` is keyed by profile name in file order. ``extra`` keeps unknown
    top-level keys so a save does not lose them. ``read_only`` is set when the file
    was written by a newer exsync; :func:`save_config` then refuses.
    """

    schema_version: int = SCHEMA_VERSION
    profiles: dict[str, Profile] = field(default_factory=dict)
    ui: UiSettings = field(default_factory=UiSettings)
    read_only: bool = False
    read_only_reason: str | None = None
    warnings: list[ConfigWarning] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    office365_client_id: str | None = None  # [office365] client_id: for every profile

    def get(self, name: str) -> Profile | None:
        """The profile named ``name`` (case-insensitive when there is no exact match)."""
        if name in self.profiles:
            return self.profiles[name]
        folded = name.casefold()
        return next((p for n, p in self.profiles.items() if n.casefold() == folded), None)

    def by_id(self, profile_id: str) -> Profile | None:
        """The profile with this id, if any."""
        return next((p for p in self.profiles.values() if p.id == profile_id), None)

    def by_email(self, email: str, *, other_than: str | None = None) -> Profile | None:
        """The profile (other than the one named ``other_than``) for this address, if any.

        Addresses compare case-insensitively, as mail systems treat them.
        """
        folded = email.strip().casefold()
        return next(
            (
                p
                for p in self.profiles.values()
                if p.email.casefold() == folded and p.name != other_than
            ),
            None,
        )

    def add(self, profile: Profile) -> None:
        """Add a new profile; names (case-insensitive) and ids must be unique."""
        self.check_can_add(profile)
        self.profiles[profile.name] = profile

    def check_can_add(self, profile: Profile) -> None:
        """Raise the ConfigError :meth:`add` would raise for ``profile``, changing nothing."""
        existing = self.get(profile.name)
        if existing is not None:
            raise ConfigError(
                f"a profile named {existing.name!r} already exists", key=f"profiles.{profile.name}"
            )
        if self.by_id(profile.id) is not None:
            raise ConfigError(
                f"a profile with id {profile.id} already exists", key=f"profiles.{profile.name}.id"
            )
        self._check_address_free(profile, other_than=None)

    def update(self, old_name: str, profile: Profile) -> None:
        """Replace the profile ``old_name`` (which may be a rename), keeping its place."""
        self.check_can_update(old_name, profile)
        self.profiles = {
            (profile.name if name == old_name else name): (profile if name == old_name else p)
            for name, p in self.profiles.items()
        }

    def check_can_update(self, old_name: str, profile: Profile) -> None:
        """Raise the ConfigError :meth:`update` would raise, changing nothing."""
        if old_name not in self.profiles:
            raise ConfigError(f"no profile named {old_name!r}", key=f"profiles.{old_name}")
        clash = self.get(profile.name)
        if clash is not None and clash.name != old_name:
            raise ConfigError(
                f"a profile named {clash.name!r} already exists", key=f"profiles.{profile.name}"
            )
        self._check_address_free(profile, other_than=old_name)

    def _check_address_free(self, profile: Profile, *, other_than: str | None) -> None:
        same_address = self.by_email(profile.email, other_than=other_than)
        if same_address is not None:
            # Two profiles of one mailbox would sync it twice, into two copies.
            raise ConfigError(
                f"{profile.email} is already the mailbox {same_address.name!r} "
                f"(`exsync profiles edit {same_address.name}` changes it)",
                key=f"profiles.{profile.name}.email",
            )

    def remove(self, name: str) -> Profile:
        """Remove and return the profile ``name``."""
        if name not in self.profiles:
            raise ConfigError(f"no profile named {name!r}", key=f"profiles.{name}")
        return self.profiles.pop(name)


def new_profile(
    name: str,
    email: str,
    *,
    mode: ConnectionMode | None = None,
    auth: AuthType | None = None,
    **fields: Any,
) -> Profile:
    """Build a new, validated profile with a fresh id.

    ``mode`` defaults to manual when ``server`` or ``ews_url`` is given, else
    autodiscover; ``auth`` defaults to OAuth for Microsoft 365, else auto. Raises
    :class:`ConfigError` (with the key path ``profiles.<name>.<field>``) on bad values.
    """
    from exsync_tui.core.profiles.codec import validate_profile

    if mode is None:
        has_server = fields.get("server") or fields.get("ews_url")
        mode = ConnectionMode.MANUAL if has_server else ConnectionMode.AUTODISCOVER
    if auth is None:
        auth = AuthType.OAUTH if mode is ConnectionMode.OFFICE365 else AuthType.AUTO
    profile = Profile(
        name=name, id=fields.pop("id", None) or new_profile_id(), email=email, mode=mode,
        auth=auth, **fields,
    )  # fmt: skip
    return validate_profile(profile)
