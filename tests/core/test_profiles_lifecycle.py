"""Adding, updating, removing and recording outcomes: the order of writes and what is undone."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsync_tui.core.profiles import (
    Config,
    ConfigChange,
    ConfigError,
    MailboxMetadata,
    Profile,
    add_profile,
    load_config,
    new_profile,
    record_outcome,
    remove_profile,
    saving_fresh,
    saving_into,
    update_profile,
)
from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.steps import Diagnosis, HelpTopic, Step, StepStatus

PASSWORD = "lifecycle-Pa55-1c3e"


def _failing_save(change: ConfigChange) -> None:
    """Applies the change to the saved config, then fails to write it."""
    change(load_config())
    raise OSError("disk full")


def _topic(topic_id: str) -> HelpTopic:
    return HelpTopic(id=topic_id, title=topic_id, explanation="", advice=(), admin="")


def _failed(topic_id: str) -> Diagnosis:
    step = Step("Sign-in", StepStatus.FAIL, "no")
    return Diagnosis(ok=False, steps=(step,), topic=_topic(topic_id))


PASSED = Diagnosis(ok=True, steps=(Step("Sign-in", StepStatus.OK, "yes"),))


def _saved_work(store: SecretStore, **metadata: str) -> Profile:
    profile = new_profile(
        "work", "jane@example.com", server="mail.example.com",
        metadata=MailboxMetadata(**metadata),  # type: ignore[arg-type]
    )  # fmt: skip
    add_profile(profile, PASSWORD, store, saving_fresh())
    return profile


def test_add_stores_the_password_and_saves_the_profile() -> None:
    store = SecretStore()
    profile = new_profile("work", "jane@example.com", server="mail.example.com")
    result = add_profile(profile, PASSWORD, store, saving_fresh())
    assert result.path.is_file()
    assert load_config().profiles["work"].id == profile.id
    assert store.get_password(profile.id) == PASSWORD


def test_add_takes_the_password_back_when_the_save_fails() -> None:
    store = SecretStore()
    profile = new_profile("work", "jane@example.com", server="mail.example.com")
    with pytest.raises(OSError, match="disk full"):
        add_profile(profile, PASSWORD, store, _failing_save)
    assert store.get_password(profile.id) is None


def test_add_of_a_clashing_name_leaves_no_password() -> None:
    store = SecretStore()
    _saved_work(store)
    clash = new_profile("WORK", "other@example.com", server="mail.example.com")
    with pytest.raises(ConfigError, match="already exists"):
        add_profile(clash, "other-password", store, saving_fresh())
    assert store.get_password(clash.id) is None


def test_update_puts_the_previous_password_back_when_the_save_fails() -> None:
    store = SecretStore()
    profile = _saved_work(store)
    with pytest.raises(OSError):
        update_profile("work", profile, "new-password", store, _failing_save)
    assert store.get_password(profile.id) == PASSWORD


def test_update_without_a_password_keeps_the_stored_one() -> None:
    store = SecretStore()
    profile = _saved_work(store)
    renamed = Profile(**{**profile.__dict__, "name": "office"})
    update_profile("work", renamed, None, store, saving_fresh())
    assert list(load_config().profiles) == ["office"]
    assert store.get_password(profile.id) == PASSWORD


def test_remove_without_purge_keeps_secrets_and_data(isolated_xdg: Path) -> None:
    store = SecretStore()
    profile = _saved_work(store)
    profile.effective_mail_dir().mkdir(parents=True)
    removal = remove_profile(profile, saving_fresh())
    assert removal.purged is None
    assert load_config().profiles == {}
    assert store.get_password(profile.id) == PASSWORD
    assert profile.effective_mail_dir().is_dir()


def test_remove_with_purge_deletes_secrets_then_data() -> None:
    store = SecretStore()
    profile = _saved_work(store)
    profile.effective_mail_dir().mkdir(parents=True)
    removal = remove_profile(profile, saving_fresh(), purge_with=store)
    assert removal.purged is not None
    assert removal.purged.removed_secrets == ["password"]
    assert profile.effective_mail_dir() in removal.purged.removed_paths
    assert not profile.effective_mail_dir().exists()
    assert load_config().profiles == {}


def test_remove_keeps_local_data_when_the_config_cannot_be_saved() -> None:
    store = SecretStore()
    profile = _saved_work(store)
    profile.effective_mail_dir().mkdir(parents=True)
    with pytest.raises(OSError):
        remove_profile(profile, _failing_save, purge_with=store)
    assert profile.effective_mail_dir().is_dir()


def test_a_failure_records_its_topic_and_a_success_clears_it() -> None:
    store = SecretStore()
    profile = _saved_work(store)

    record_outcome(profile, _failed("auth-failed"), saving_fresh())
    failed = load_config().profiles["work"]
    assert failed.metadata.last_error_topic == "auth-failed"
    assert failed.metadata.last_verified is None

    record_outcome(failed, PASSED, saving_fresh())
    passed = load_config().profiles["work"].metadata
    assert passed.last_error_topic is None and passed.last_verified is not None


def test_a_success_keeps_what_was_learned() -> None:
    store = SecretStore()
    profile = _saved_work(store, last_error_topic="tls-untrusted")
    learned = MailboxMetadata(ews_url="https://mail.example.com/EWS/Exchange.asmx")
    record_outcome(profile, PASSED, saving_fresh(), learned=learned)
    metadata = load_config().profiles["work"].metadata
    assert metadata.ews_url == learned.ews_url and metadata.last_error_topic is None


def test_the_same_failure_again_saves_nothing() -> None:
    store = SecretStore()
    profile = _saved_work(store, last_error_topic="auth-failed")
    saves: list[ConfigChange] = []
    assert record_outcome(profile, _failed("auth-failed"), saves.append) is None
    assert saves == []


def test_an_outcome_for_a_profile_removed_meanwhile_changes_nothing() -> None:
    config = Config()
    ghost = new_profile("gone", "gone@example.com", server="mail.example.com")
    record_outcome(ghost, _failed("auth-failed"), saving_into(config))
    assert config.profiles == {}
