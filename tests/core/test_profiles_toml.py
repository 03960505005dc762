"""config.toml on disk: round trips, located errors, atomic 0600 writes, symlinks, backups."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from exsync_tui.core import paths
from exsync_tui.core.profiles import (
    SCHEMA_VERSION,
    AuthType,
    Config,
    ConfigError,
    ConnectionMode,
    MailboxMetadata,
    SyncSelection,
    TlsTrust,
    has_comments,
    load_config,
    new_profile,
    save_config,
)


def _full_config() -> Config:
    config = Config()
    config.ui.theme = "nord"
    config.ui.keymap = {"quit": "ctrl+q", "sync_all": "f5"}
    work = new_profile(
        "work",
        "jane.doe@example.com",
        username="CORP\\jane",
        server="mail.example.com:8443",
        auth=AuthType.NTLM,
        tls=TlsTrust(ca_file=Path("/etc/ssl/corp-ca.pem"), pin_sha256="AB:" * 31 + "AB"),
        connect_to=("mail.example.com:8443:127.0.0.1:9443", "a.example:443:[::1]:443"),
        password_command=("pass", "show", "work/exchange"),
        mail_dir=Path("~/Mail/work"),
        calendar_dir=Path("/srv/cal/work"),
        sync=SyncSelection(
            mail=True,
            calendar=False,
            folders_include=("Inbox", "Sent Items"),
            folders_exclude=("Junk Email",),
            calendar_past_days=7,
            calendar_future_days=90,
        ),
        metadata=MailboxMetadata(
            primary_smtp_address="jane.doe@example.com",
            ews_url="https://mail.example.com/EWS/Exchange.asmx",
            server_version="Exchange2016",
            auth_type="NTLM",
            granted_scopes=("EWS.AccessAsUser.All",),
            last_verified=datetime(2025, 3, 1, 12, 30, 5, 123000, tzinfo=UTC),
            last_error_topic="tls-untrusted",
        ),
    )
    old = new_profile("old", "old@example.com", ews_url="https://old.example.com/EWS/Exchange.asmx")
    old = old.disabled(datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))))
    cloud = new_profile("cloud", "jane@contoso.com", mode=ConnectionMode.OFFICE365)
    for profile in (work, old, cloud):
        config.add(profile)
    return config


def test_every_field_round_trips_including_domain_backslash_user(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config = _full_config()
    result = save_config(config, path)
    assert result.backup_path is None
    loaded = load_config(path)
    assert loaded.profiles == config.profiles
    assert list(loaded.profiles) == ["work", "old", "cloud"]
    assert loaded.ui == config.ui
    assert loaded.warnings == []
    assert loaded.profiles["work"].username == "CORP\\jane"
    assert 'username = "CORP\\\\jane"' in path.read_text()
    assert loaded.profiles["old"].disabled_at == datetime(2025, 1, 2, 1, 4, 5, tzinfo=UTC)


def test_default_path_is_under_xdg_config_home(isolated_xdg: Path) -> None:
    assert load_config().profiles == {}
    result = save_config(_full_config())
    assert result.path == isolated_xdg / "config" / "exsync" / "config.toml"
    assert paths.config_file() == result.path
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(result.path.parent.stat().st_mode) == 0o700


def test_a_loose_existing_file_is_tightened_to_0600(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir()
    path.write_text("schema_version = 1\n")
    path.chmod(0o664)
    save_config(_full_config(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp file left


def test_a_symlinked_config_is_written_through_to_its_target(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "exsync.toml"
    target.parent.mkdir()
    target.write_text("schema_version = 1\n")
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    result = save_config(_full_config(), link)
    assert link.is_symlink()
    assert result.path == target
    assert load_config(link).profiles.keys() == {"work", "old", "cloud"}


def test_a_commented_file_is_backed_up_once_before_the_first_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    original = '# my settings\nschema_version = 1\n[profiles.a]\nemail = "a@example.com"\n'
    path.write_text(original)
    config = load_config(path)
    first = save_config(config, path)
    assert first.backup_path is not None
    assert first.backup_path.name.startswith("config.toml.bak-")
    assert first.backup_path.read_text() == original
    assert stat.S_IMODE(first.backup_path.stat().st_mode) == 0o600
    second = save_config(load_config(path), path)
    assert second.backup_path is None
    assert len(list(tmp_path.glob("config.toml.bak-*"))) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('a = "x # y"\n', False),
        ("a = 'x # y'\n", False),
        ('a = """\nx # y\n"""\n', False),
        ("a = '''\nx # y\n'''\n", False),
        ('a = "q\\" # still a string"\n', False),
        ('"key # quoted" = 1\n', False),
        ('a = """x"""""  # after a string ending in two quotes\n', True),
        ("a = 1 # trailing\n", True),
        ("# whole line\na = 1\n", True),
        ('a = "\\\\" # after an escaped backslash\n', True),
    ],
)
def test_comment_detection_ignores_hashes_inside_strings(text: str, expected: bool) -> None:
    import tomllib

    tomllib.loads(text)  # every case is valid TOML
    assert has_comments(text) is expected


def test_hand_written_single_backslash_username_gets_a_specific_hint(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('schema_version = 1\n\n[profiles.work]\nusername = "CORP\\user"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    assert (error.path, error.line, error.column) == (path, 4, 19)
    assert str(error).startswith(f"{path}:4:19: TOML syntax error")
    assert 'write "CORP\\\\user"' in str(error)
    assert "'CORP\\user'" in str(error)


def test_literal_string_username_is_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[profiles.work]\nemail = 'j@example.com'\nusername = 'CORP\\user'\n")
    assert load_config(path).profiles["work"].username == "CORP\\user"


def test_duplicate_profile_tables_are_a_located_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[profiles.a]\nemail = "a@example.com"\n[profiles.a]\nemail = "b@e.com"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == 3
    assert "two profiles named 'a'" in str(caught.value)


def test_same_id_or_case_insensitive_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    same_id = "0123456789abcdef0123456789abcdef"
    path.write_text(
        f'[profiles.a]\nid = "{same_id}"\nemail = "a@example.com"\n'
        f'[profiles.b]\nid = "{same_id}"\nemail = "b@example.com"\n'
    )
    with pytest.raises(ConfigError, match=f"{path}: profiles.b.id: the same id as profile 'a'"):
        load_config(path)
    path.write_text('[profiles.Work]\nemail = "a@e.com"\n[profiles.work]\nemail = "b@e.com"\n')
    with pytest.raises(ConfigError, match="profiles.work: profile names must differ"):
        load_config(path)


def test_meaning_errors_name_the_file_and_key_path(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[profiles.work]\nemail = "j@example.com"\nmode = "manual"\n'
        'ews_url = "http://mail.example.com/EWS/Exchange.asmx"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == "profiles.work.ews_url"
    assert str(caught.value).startswith(f"{path}: profiles.work.ews_url: ")


def test_wrong_types_are_reported_with_the_key_path(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[profiles.work]\nemail = "j@example.com"\npassword_command = "pass show x"\n')
    with pytest.raises(ConfigError, match=r"profiles.work.password_command: .*not a string"):
        load_config(path)
    path.write_text('[profiles.work]\nemail = "j@example.com"\nenabled = "yes"\n')
    with pytest.raises(ConfigError, match="profiles.work.enabled: must be true or false"):
        load_config(path)


def test_unknown_keys_warn_and_survive_a_save(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'future = "x"\n[profiles.work]\nemail = "j@example.com"\ncolour = "blue"\n'
        '[profiles.work.tls]\nciphers = "modern"\n[profiles.work.sync]\nnotes = true\n'
    )
    config = load_config(path)
    assert sorted(w.key for w in config.warnings) == [
        "future",
        "profiles.work.colour",
        "profiles.work.id",
        "profiles.work.sync.notes",
        "profiles.work.tls.ciphers",
    ]
    save_config(config, path)
    again = load_config(path)
    assert again.extra == {"future": "x"}
    assert again.profiles["work"].extra == {"colour": "blue", "tls": {"ciphers": "modern"}}
    assert again.profiles["work"].sync.extra == {"notes": True}
    assert again.profiles["work"].id == config.profiles["work"].id  # the made-up id was saved


def test_a_newer_schema_opens_read_only_and_refuses_to_save(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    text = f'schema_version = {SCHEMA_VERSION + 1}\n[profiles.a]\nemail = "a@example.com"\n'
    path.write_text(text)
    config = load_config(path)
    assert config.read_only
    assert config.read_only_reason is not None and "newer exsync" in config.read_only_reason
    assert "a" in config.profiles
    with pytest.raises(ConfigError, match="not saved"):
        save_config(config, path)
    assert path.read_text() == text


def test_invalid_config_writes_nothing(tmp_path: Path) -> None:
    from dataclasses import replace

    path = tmp_path / "conf" / "config.toml"
    config = _full_config()
    save_config(config, path)
    before = path.read_bytes()
    config.profiles["work"] = replace(config.profiles["work"], email="not-an-address")
    with pytest.raises(ConfigError, match="profiles.work.email"):
        save_config(config, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]


def test_syntax_error_at_end_of_document_says_so(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('a = "unterminated\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == 1 or caught.value.at_end
    assert str(caught.value).startswith(str(path))


def test_missing_directory_is_created_0700(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "config.toml"
    save_config(_full_config(), path)
    for directory in (path.parent, path.parent.parent):
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700


def test_the_readme_example_config_is_valid(tmp_path: Path) -> None:
    readme = Path(__file__).resolve().parents[2] / "README.md"
    text = readme.read_text()
    section = text[text.index("## Configuration") :]
    example = section[section.index("```toml\n") + 8 : section.index("```\n", 10)]
    path = tmp_path / "config.toml"
    path.write_text(example)
    config = load_config(path)
    assert config.warnings == []
    work = config.profiles["work"]
    assert work.username == "CORP\\jane"
    assert work.mode is ConnectionMode.MANUAL and work.auth is AuthType.NTLM
    assert not work.enabled and work.metadata.last_error_topic == "tls-untrusted"
