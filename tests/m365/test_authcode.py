"""The browser (authorization code + PKCE) sign-in with a loopback redirect, against the sandbox."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import pytest
import requests

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.m365 import access_token, settings_from_profile
from exsync_tui.core.m365.authcode import AuthCodeSignIn
from exsync_tui.core.profiles import load_config
from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.secrets.memory import MemoryKeyring
from exsync_tui.sandbox import Sandbox
from tests.cli_runner import run_exsync
from tests.m365.test_cli_signin import _add_argv
from tests.m365.test_signin import m365_profile
from tests.pty_session import start


def _browser(sandbox: Sandbox, url: str) -> requests.Response:
    """What a browser does: open the URL, follow the redirect to the loopback address."""
    session = requests.Session()
    session.trust_env = False
    return session.get(url, verify=sandbox.info.ca_file or True, timeout=10)


def test_the_redirect_reaches_the_loopback_listener_and_signs_in(sandbox: Sandbox) -> None:
    store = SecretStore(MemoryKeyring())
    profile = m365_profile(sandbox, sandbox.info.users[2].email)
    flow = AuthCodeSignIn(settings_from_profile(profile, None), store)
    prompt = flow.start()
    assert "code_challenge=" in prompt.url and f"localhost%3A{prompt.port}" in prompt.url
    assert prompt.ssh_command.startswith(f"ssh -L {prompt.port}:127.0.0.1:{prompt.port} ")
    page = _browser(sandbox, prompt.url)
    assert page.status_code == 200 and b"sign-in received" in page.content
    done = flow.wait()
    assert done.username == sandbox.info.users[2].email  # login_hint chose the account
    assert sandbox.tokens.resolve(access_token(profile, store)) is not None


def test_cancel_stops_the_wait_and_frees_the_port(sandbox: Sandbox) -> None:
    cancel = threading.Event()
    settings = settings_from_profile(m365_profile(sandbox), None)
    flow = AuthCodeSignIn(settings, SecretStore(MemoryKeyring()), cancel)
    prompt = flow.start()
    cancel.set()
    with pytest.raises(TopicError) as raised:
        flow.wait()
    assert raised.value.topic_id == "cancelled"
    again = AuthCodeSignIn(settings, SecretStore(MemoryKeyring()), port=prompt.port)
    assert again.start().port == prompt.port  # the listener was closed


def test_profiles_signin_browser_prints_url_and_ssh_command(
    fresh_sandbox: Callable[..., Sandbox],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    code, _, err = run_exsync(capsys, monkeypatch, *_add_argv(sandbox, "--no-verify-connect"))
    assert code == 0, err
    session = start([["profiles", "signin", "m365", "--browser"]])
    session.expect("run this there first:")
    session.expect("(Ctrl-C cancels)")
    text = session.text()
    url = re.search(r"open this address in a browser:\s+(\S+)", text)
    assert url and re.search(r"ssh -L (\d+):127\.0\.0\.1:\1 ", text), text
    assert _browser(sandbox, url.group(1)).status_code == 200
    session.expect(f"signed in as {sandbox.info.users[0].email}")
    assert session.finish() == 0
    assert session.exit_codes() == [0]
    assert load_config().profiles["m365"].office365.client_id


def test_port_needs_browser(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_exsync(capsys, monkeypatch, *_add_argv(sandbox, "--no-verify-connect"))
    assert code == 0, err
    code, _, err = run_exsync(capsys, monkeypatch, "profiles", "signin", "m365", "--port", "8400")
    assert code == 2 and "--port: only with --browser" in err
