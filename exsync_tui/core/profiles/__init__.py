"""Mailbox profiles: the model, ``config.toml`` load/save, and validation.

Typical use::

    config = load_config()
    config.add(new_profile("work", "jane@example.com", server="mail.example.com"))
    result = save_config(config)
"""

from __future__ import annotations

from exsync_tui.core.profiles.codec import profile_to_data, validate_config, validate_profile
from exsync_tui.core.profiles.errors import ConfigError, ConfigWarning
from exsync_tui.core.profiles.lifecycle import (
    ConfigChange,
    Removal,
    add_profile,
    outcome_metadata,
    record_outcome,
    remove_profile,
    saving_fresh,
    saving_into,
    update_metadata,
    update_profile,
)
from exsync_tui.core.profiles.model import (
    SCHEMA_VERSION,
    AuthType,
    Config,
    ConnectionMode,
    MailboxMetadata,
    MaildirLayout,
    Office365Settings,
    Profile,
    SyncDirection,
    SyncSelection,
    TlsTrust,
    UiSettings,
    new_profile,
    new_profile_id,
)
from exsync_tui.core.profiles.password import PasswordSource, password_source, resolve_password
from exsync_tui.core.profiles.purge import (
    PurgeReport,
    UnsentMail,
    data_paths,
    purge_local_data,
    purge_profile_data,
    purge_secrets,
    unsent_mail,
)
from exsync_tui.core.profiles.toml_io import SaveResult, has_comments, load_config, save_config
from exsync_tui.core.profiles.validate import ConnectTo, InvalidValue, parse_connect_to
from exsync_tui.core.profiles.views import json_ready, profile_summary

__all__ = [
    "SCHEMA_VERSION",
    "AuthType",
    "Config",
    "ConfigChange",
    "ConfigError",
    "ConfigWarning",
    "ConnectTo",
    "ConnectionMode",
    "InvalidValue",
    "MailboxMetadata",
    "MaildirLayout",
    "Office365Settings",
    "PasswordSource",
    "Profile",
    "PurgeReport",
    "Removal",
    "SaveResult",
    "SyncDirection",
    "SyncSelection",
    "TlsTrust",
    "UiSettings",
    "add_profile",
    "data_paths",
    "has_comments",
    "json_ready",
    "load_config",
    "new_profile",
    "new_profile_id",
    "outcome_metadata",
    "parse_connect_to",
    "password_source",
    "profile_summary",
    "profile_to_data",
    "purge_local_data",
    "unsent_mail",
    "UnsentMail",
    "purge_profile_data",
    "purge_secrets",
    "record_outcome",
    "update_metadata",
    "remove_profile",
    "resolve_password",
    "save_config",
    "saving_fresh",
    "saving_into",
    "update_profile",
    "validate_config",
    "validate_profile",
]
