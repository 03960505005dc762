"""Turning the parsed TOML document into the model and back, checking every value.

Reading and writing share this one place, so whatever :func:`config_to_data`
writes is exactly what :func:`parse_config` accepts; :func:`validate_profile`
uses that round trip to check a profile built in code.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from exsync_tui.core.profiles import office365, validate
from exsync_tui.core.profiles.errors import ConfigError, key_path
from exsync_tui.core.profiles.model import (
    DEFAULT_CONNECTIONS,
    DEFAULT_MASS_DELETE_PERCENT,
    DEFAULT_RETENTION_DAYS,
    SCHEMA_VERSION,
    AuthType,
    Config,
    ConnectionMode,
    MailboxMetadata,
    MaildirLayout,
    Profile,
    SyncDirection,
    SyncSelection,
    TlsTrust,
    UiSettings,
)
from exsync_tui.core.profiles.reader import TableReader

# Ids made up for hand-written profiles without one are derived from the name, so they
# stay the same from one load to the next until the config is saved with them.
_MISSING_ID_NAMESPACE = uuid.UUID("6f1d2b3e-8c4a-4e59-9a57-0b6f3c2d1e90")
_MAX_CALENDAR_DAYS = 36500
_MAX_RETENTION_DAYS = 3650
_MAX_INTERVAL_MINUTES = 7 * 24 * 60
_MAX_CONNECTIONS = 16


@contextmanager
def _located(path: Path | None) -> Iterator[None]:
    try:
        yield
    except ConfigError as error:
        raise error.with_path(path) from None


def _parse_profile(table: TableReader, name: str, path: Path | None) -> Profile:
    try:
        validate.profile_name(name)
    except validate.InvalidValue as invalid:
        raise ConfigError(invalid.message, key=key_path(table.key), hint=invalid.hint) from None
    if table.has("id"):
        profile_id = table.required_string("id", validate.profile_id)
    else:
        profile_id = uuid.uuid5(_MISSING_ID_NAMESPACE, name).hex
        table.warn("id", "missing; one is added on save", path)
    email = table.required_string("email", validate.email)
    username = table.string("username", validate.username)
    server = table.string("server", validate.server)
    ews_url = table.string("ews_url", validate.ews_url)
    inferred = ConnectionMode.MANUAL if (server or ews_url) else ConnectionMode.AUTODISCOVER
    mode = table.choice("mode", ConnectionMode, inferred)
    default_auth = AuthType.OAUTH if mode is ConnectionMode.OFFICE365 else AuthType.AUTO
    auth = table.choice("auth", AuthType, default_auth)
    tls_table = table.table("tls")
    tls = TlsTrust(
        ca_file=tls_table.path("ca_file"),
        pin_sha256=tls_table.string("pin_sha256", validate.pin_sha256),
    )
    tls_extra = tls_table.rest(path)
    profile = Profile(
        name=name,
        id=profile_id,
        email=email,
        username=username,
        mode=mode,
        server=server,
        ews_url=ews_url,
        auth=auth,
        tls=tls,
        connect_to=table.strings("connect_to", validate.connect_to),
        password_command=table.converted("password_command", validate.password_command),
        mail_dir=table.path("mail_dir"),
        calendar_dir=table.path("calendar_dir"),
        sync=_parse_sync(table.table("sync"), path),
        enabled=table.boolean("enabled", True),
        disabled_at=table.timestamp("disabled_at"),
        retention_days=table.integer("retention_days", DEFAULT_RETENTION_DAYS, _MAX_RETENTION_DAYS),
        sync_interval_minutes=table.integer("sync_interval_minutes", 0, _MAX_INTERVAL_MINUTES),
        metadata=_parse_metadata(table.table("metadata"), path),
        office365=office365.parse_settings(m365_table := table.table("office365")),
        extra=table.rest(path)
        | ({"tls": tls_extra} if tls_extra else {})
        | ({"office365": m365_extra} if (m365_extra := m365_table.rest(path)) else {}),
    )
    _check_profile_consistency(profile, table)
    return profile


def _check_profile_consistency(profile: Profile, table: TableReader) -> None:
    """Rules between fields, e.g. manual mode needs a server."""
    if profile.mode is ConnectionMode.MANUAL:
        if not profile.server and not profile.ews_url:
            raise table.error(
                "server", "mode is 'manual' but neither server nor ews_url is set",
                hint="set server = \"mail.example.com\" or ews_url, or use mode = \"autodiscover\"",
            )  # fmt: skip
        if profile.server and profile.ews_url:
            raise table.error("ews_url", "give either server or ews_url, not both")
    else:
        for field in ("server", "ews_url"):
            if getattr(profile, field):
                raise table.error(
                    field,
                    f"is only used when mode = 'manual' (mode is {profile.mode.value!r})",
                    hint='set mode = "manual", or remove it',
                )
    if profile.mode is ConnectionMode.OFFICE365 and profile.auth not in (
        AuthType.AUTO,
        AuthType.OAUTH,
    ):
        raise table.error("auth", f"Microsoft 365 signs in with OAuth, not {profile.auth.value}")
    if profile.auth is AuthType.OAUTH and profile.mode is not ConnectionMode.OFFICE365:
        raise table.error(
            "auth", "OAuth sign-in is for Microsoft 365 profiles", hint='set mode = "office365"'
        )
    if profile.disabled_at is not None and profile.enabled:
        raise table.error(
            "disabled_at", "is set but the profile is enabled",
            hint="remove disabled_at, or set enabled = false",
        )  # fmt: skip


def _parse_sync(table: TableReader, path: Path | None) -> SyncSelection:
    return SyncSelection(
        mail=table.boolean("mail", True),
        calendar=table.boolean("calendar", True),
        folders_include=table.strings("folders_include"),
        folders_exclude=table.strings("folders_exclude"),
        calendar_past_days=table.integer(
            "calendar_past_days", SyncSelection.calendar_past_days, _MAX_CALENDAR_DAYS
        ),
        calendar_future_days=table.integer(
            "calendar_future_days", SyncSelection.calendar_future_days, _MAX_CALENDAR_DAYS
        ),
        maildir_layout=table.choice("maildir_layout", MaildirLayout, MaildirLayout.VERBATIM),
        connections=_at_least_one(table, "connections", DEFAULT_CONNECTIONS, _MAX_CONNECTIONS),
        mass_delete_percent=_at_least_one(
            table, "mass_delete_percent", DEFAULT_MASS_DELETE_PERCENT, 100
        ),
        sync_direction=table.choice("sync_direction", SyncDirection, SyncDirection.BOTH),
        include_hidden_folders=table.boolean("include_hidden_folders", False),
        extra=table.rest(path),
    )


def _at_least_one(table: TableReader, name: str, default: int, maximum: int) -> int:
    value = table.integer(name, default, maximum)
    if value < 1:
        raise table.error(name, f"must be a whole number from 1 to {maximum}")
    return value


def _parse_metadata(table: TableReader, path: Path | None) -> MailboxMetadata:
    return MailboxMetadata(
        primary_smtp_address=table.string("primary_smtp_address"),
        ews_url=table.string("ews_url"),
        server_version=table.string("server_version"),
        auth_type=table.string("auth_type"),
        granted_scopes=table.strings("granted_scopes"),
        last_verified=table.timestamp("last_verified"),
        last_error_topic=table.string("last_error_topic"),
        last_synced=table.timestamp("last_synced"),
        extra=table.rest(path),
    )


def _parse_ui(table: TableReader, path: Path | None) -> UiSettings:
    theme = table.string("theme")
    keymap_table = table.table("keymap")
    keymap = {}
    for binding in keymap_table.names():
        keys = keymap_table.string(binding)
        if keys is not None:
            keymap[binding] = keys
    return UiSettings(theme=theme, keymap=keymap, extra=table.rest(path))


def _schema_version(data: dict[str, Any]) -> int:
    version = data.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ConfigError(f"must be a whole number of 1 or more, not {version!r}",
                          key="schema_version")  # fmt: skip
    return version


def parse_config(data: dict[str, Any], path: Path | None = None) -> Config:
    """Check a parsed TOML document and build the :class:`Config` it describes."""
    with _located(path):
        version = _schema_version(data)
    config = Config(schema_version=version, path=path)
    if version > SCHEMA_VERSION:
        config.read_only = True
        config.read_only_reason = (
            f"{path or 'the config'} was written by a newer exsync (schema_version {version}; "
            f"this exsync understands {SCHEMA_VERSION}), so it is opened read-only; "
            "upgrade exsync to change it"
        )
    try:
        with _located(path):
            _fill_config(config, data, path)
    except ConfigError as error:
        if config.read_only:
            error.message += f" ({config.read_only_reason})"
        raise
    return config


def _fill_config(config: Config, data: dict[str, Any], path: Path | None) -> None:
    top = TableReader({k: v for k, v in data.items() if k != "schema_version"}, (), config.warnings)
    config.ui = _parse_ui(top.table("ui"), path)
    m365_defaults = top.table("office365")
    config.office365_client_id = m365_defaults.string("client_id", office365.client_id)
    if m365_rest := m365_defaults.rest(path):
        config.extra["office365"] = m365_rest
    profiles = top.table("profiles")
    seen_ids: dict[str, str] = {}
    seen_names: dict[str, str] = {}
    for name in profiles.names():
        profile_table = profiles.table(name)
        profile = _parse_profile(profile_table, name, path)
        folded = name.casefold()
        if folded in seen_names:
            raise ConfigError(
                f"profile names must differ in more than case ({seen_names[folded]!r} exists)",
                key=key_path(("profiles", name)),
            )
        if profile.id in seen_ids:
            raise ConfigError(
                f"the same id as profile {seen_ids[profile.id]!r}; ids must be unique",
                key=key_path(("profiles", name, "id")),
                hint="remove the id line from the copied profile and a new one is made",
            )
        seen_names[folded], seen_ids[profile.id] = name, name
        config.profiles[name] = profile
    config.extra |= top.rest(path)


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None and v != () and v != {}}


def profile_to_data(profile: Profile) -> dict[str, Any]:
    """A profile as its TOML table (no name: that is the table's key)."""
    extra = dict(profile.extra)
    tls_extra = extra.pop("tls", {})
    m365 = office365.settings_to_data(profile.office365) | extra.pop("office365", {})
    tls = _drop_empty({
        "ca_file": str(profile.tls.ca_file) if profile.tls.ca_file else None,
        "pin_sha256": profile.tls.pin_sha256,
    }) | tls_extra  # fmt: skip
    sync = profile.sync
    sync_data = (
        _drop_empty(
            {
                "mail": sync.mail,
                "calendar": sync.calendar,
                "folders_include": list(sync.folders_include) or None,
                "folders_exclude": list(sync.folders_exclude) or None,
                "calendar_past_days": sync.calendar_past_days,
                "calendar_future_days": sync.calendar_future_days,
                "maildir_layout": sync.maildir_layout.value,
                "connections": sync.connections,
                "mass_delete_percent": sync.mass_delete_percent,
                "sync_direction": sync.sync_direction.value,
                # Written only when set: configs stay as they were for everyone else.
                "include_hidden_folders": sync.include_hidden_folders or None,
            }
        )
        | sync.extra
    )
    meta = profile.metadata
    metadata = (
        _drop_empty(
            {
                "primary_smtp_address": meta.primary_smtp_address,
                "ews_url": meta.ews_url,
                "server_version": meta.server_version,
                "auth_type": meta.auth_type,
                "granted_scopes": list(meta.granted_scopes) or None,
                "last_verified": meta.last_verified,
                "last_error_topic": meta.last_error_topic,
                "last_synced": meta.last_synced,
            }
        )
        | meta.extra
    )
    return (
        _drop_empty(
            {
                "id": profile.id,
                "email": profile.email,
                "username": profile.username,
                "mode": profile.mode.value,
                "server": profile.server,
                "ews_url": profile.ews_url,
                "auth": profile.auth.value,
                "connect_to": list(profile.connect_to) or None,
                "password_command": list(profile.password_command or ()) or None,
                "mail_dir": str(profile.mail_dir) if profile.mail_dir else None,
                "calendar_dir": str(profile.calendar_dir) if profile.calendar_dir else None,
                "enabled": profile.enabled,
                "disabled_at": profile.disabled_at,
                "retention_days": profile.retention_days,
                "sync_interval_minutes": profile.sync_interval_minutes or None,
                "tls": tls,
                "sync": sync_data,
                "metadata": metadata,
                "office365": m365,
            }
        )
        | extra
    )


def config_to_data(config: Config) -> dict[str, Any]:
    """The TOML document for ``config``: plain dicts, lists, strings, numbers and datetimes."""
    ui = _drop_empty({"theme": config.ui.theme, "keymap": dict(config.ui.keymap)}) | config.ui.extra
    data: dict[str, Any] = {"schema_version": config.schema_version}
    data |= config.extra
    if config.office365_client_id:
        data["office365"] = data.get("office365", {}) | {"client_id": config.office365_client_id}
    if ui:
        data["ui"] = ui
    data["profiles"] = {name: profile_to_data(p) for name, p in config.profiles.items()}
    return data


def validate_profile(profile: Profile) -> Profile:
    """Check a profile built in code with the same rules as the file; return it normalised."""
    data = {"profiles": {profile.name: profile_to_data(profile)}}
    return parse_config(data).profiles[profile.name]


def validate_config(config: Config) -> Config:
    """Check a whole config before it is written; raises :class:`ConfigError`."""
    for name, profile in config.profiles.items():
        if name != profile.name:
            raise ConfigError(
                f"is stored under the name {name!r} but is named {profile.name!r}",
                key=key_path(("profiles", name)),
            )
    return parse_config(config_to_data(config), config.path)
