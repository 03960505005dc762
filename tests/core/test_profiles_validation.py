"""Profile values: what is accepted, what is refused, and the hints given."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from exsync_tui.core import paths
from exsync_tui.core.profiles import (
    AuthType,
    Config,
    ConfigError,
    ConnectionMode,
    TlsTrust,
    new_profile,
    parse_connect_to,
    validate_profile,
)


def test_new_profile_gets_a_uuid_hex_id_and_infers_mode_and_auth() -> None:
    auto = new_profile("home", "jane@example.com")
    manual = new_profile("work", "jane@example.com", server="mail.example.com")
    m365 = new_profile("cloud", "jane@contoso.com", mode=ConnectionMode.OFFICE365)
    assert len(auto.id) == 32 and int(auto.id, 16) >= 0
    assert auto.id != manual.id
    assert (auto.mode, auto.auth) == (ConnectionMode.AUTODISCOVER, AuthType.AUTO)
    assert manual.mode is ConnectionMode.MANUAL
    assert (m365.mode, m365.auth) == (ConnectionMode.OFFICE365, AuthType.OAUTH)


@pytest.mark.parametrize("username", ["CORP\\jane", "corp.example.com\\jane.doe", "jane@corp.com"])
def test_both_username_forms_are_accepted(username: str) -> None:
    assert new_profile("p", "jane@example.com", username=username).username == username


@pytest.mark.parametrize(
    ("fields", "key", "words"),
    [
        ({"email": "jane.example.com"}, "profiles.p.email", "not an email address"),
        ({"email": "mailto:jane@example.com"}, "profiles.p.email", "drop 'mailto:'"),
        ({"username": "jane"}, "profiles.p.username", "neither user@domain.com nor DOMAIN\\user"),
        ({"username": "CORP\\"}, "profiles.p.username", "both the domain and the user"),
        ({"username": "CORP\nancy"}, "profiles.p.username", 'write "CORP\\\\nancy"'),
        ({"server": "https://mail.example.com/owa/"}, "profiles.p.server", "not a host name"),
        ({"server": "mail.example.com/EWS"}, "profiles.p.server", "is a URL"),
        ({"ews_url": "http://mail.example.com/EWS/Exchange.asmx"}, "profiles.p.ews_url", "https"),
        ({"ews_url": "mail.example.com"}, "profiles.p.ews_url", "not an https URL"),
        ({"connect_to": ("mail.example.com:443",)}, "profiles.p.connect_to", "HOST:PORT:ADDR"),
        ({"connect_to": ("a.example:99999:127.0.0.1:1",)}, "profiles.p.connect_to", "65535"),
        ({"password_command": ("", "x")}, "profiles.p.password_command", "first item"),
        ({"mail_dir": Path("relative/mail")}, "profiles.p.mail_dir", "not an absolute path"),
        ({"tls": TlsTrust(pin_sha256="abc")}, "profiles.p.tls.pin_sha256", "SHA-256"),
        ({"server": "a.example", "ews_url": "https://a.example"}, "profiles.p.ews_url", "not both"),
    ],
)
def test_bad_values_name_the_key_path(fields: dict[str, object], key: str, words: str) -> None:
    fields = dict(fields)
    email = fields.pop("email", "jane@example.com")
    with pytest.raises(ConfigError) as caught:
        new_profile("p", str(email), **fields)
    assert caught.value.key == key
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{key}: ")


def test_the_server_url_hint_names_the_host() -> None:
    with pytest.raises(ConfigError) as caught:
        new_profile("p", "jane@example.com", server="https://mail.example.com/owa/")
    assert caught.value.hint is not None
    assert "'mail.example.com'" in caught.value.hint and "ews_url" in caught.value.hint


def test_mode_rules_between_fields() -> None:
    with pytest.raises(ConfigError, match="neither server nor ews_url"):
        new_profile("p", "jane@example.com", mode=ConnectionMode.MANUAL)
    with pytest.raises(ConfigError, match="only used when mode = 'manual'"):
        new_profile("p", "j@e.com", mode=ConnectionMode.AUTODISCOVER, server="mail.e.com")
    with pytest.raises(ConfigError, match="Microsoft 365 signs in with OAuth"):
        new_profile("p", "jane@example.com", mode=ConnectionMode.OFFICE365, auth=AuthType.NTLM)
    with pytest.raises(ConfigError, match="OAuth sign-in is for Microsoft 365"):
        new_profile("p", "jane@example.com", auth=AuthType.OAUTH)


@pytest.mark.parametrize("name", ["", "-x", "my work", "a/b", "..", "x" * 65])
def test_profile_names_are_safe_directory_names(name: str) -> None:
    with pytest.raises(ConfigError):
        new_profile(name, "jane@example.com")


def test_pin_is_normalised_to_lowercase_hex_without_colons() -> None:
    pin = ":".join(["AB"] * 32)
    profile = new_profile("p", "jane@example.com", tls=TlsTrust(pin_sha256=pin))
    assert profile.tls.pin_sha256 == "ab" * 32


def test_connect_to_is_parsed_including_ipv6() -> None:
    rule = parse_connect_to("mail.example.com:443:[::1]:8443")
    assert (rule.host, rule.port, rule.address, rule.address_port) == (
        "mail.example.com",
        443,
        "[::1]",
        8443,
    )
    assert rule.address_unbracketed == "::1"


def test_effective_paths_default_under_data_dir_and_expand_home() -> None:
    profile = new_profile("work", "jane@example.com")
    assert profile.effective_mail_dir() == paths.data_dir() / "work" / "mail"
    assert profile.effective_calendar_dir() == paths.data_dir() / "work" / "calendars"
    assert profile.state_dir() == paths.state_dir() / profile.id
    custom = replace(profile, mail_dir=Path("~/Mail/work"))
    assert custom.effective_mail_dir() == Path.home() / "Mail" / "work"


def test_config_refuses_duplicate_names_case_insensitively_and_duplicate_ids() -> None:
    config = Config()
    work = new_profile("Work", "jane@example.com")
    config.add(work)
    with pytest.raises(ConfigError, match="already exists"):
        config.add(new_profile("work", "other@example.com"))
    with pytest.raises(ConfigError, match="id"):
        config.add(replace(new_profile("other", "o@example.com"), id=work.id))
    assert config.get("WORK") is work


def test_update_renames_in_place_and_keeps_the_id() -> None:
    config = Config()
    for name in ("a", "b", "c"):
        config.add(new_profile(name, f"{name}@example.com"))
    renamed = replace(config.profiles["b"], name="bee")
    config.update("b", renamed)
    assert list(config.profiles) == ["a", "bee", "c"]
    assert config.profiles["bee"].id == renamed.id
    with pytest.raises(ConfigError, match="already exists"):
        config.update("a", replace(config.profiles["a"], name="C"))


def test_validate_profile_checks_a_profile_built_by_hand() -> None:
    profile = new_profile("p", "jane@example.com")
    with pytest.raises(ConfigError, match="profiles.p.email"):
        validate_profile(replace(profile, email="nope"))
