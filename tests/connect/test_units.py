"""Pure functions of connecting: server text, schemes, rejections, SOAP answers, exceptions."""

from __future__ import annotations

import pytest
import requests
import urllib3.exceptions

from exsync_tui.core.connect import ServerTextError, normalise_server
from exsync_tui.core.connect.auth import (
    NoUsableScheme,
    choose_scheme,
    offered_schemes,
    read_rejection,
)
from exsync_tui.core.connect.autodiscover import best_failure, in_domain, soap_url_for
from exsync_tui.core.connect.autodiscover_soap import build_request, parse_response
from exsync_tui.core.diagnose.classify import Classified, classify
from exsync_tui.core.net import UnroutableAddressError


@pytest.mark.parametrize(
    ("text", "host", "ews_url", "source"),
    [
        (
            "mail.example.com",
            "mail.example.com",
            "https://mail.example.com/EWS/Exchange.asmx",
            "host",
        ),
        (
            "  MAIL.example.com:8443 ",
            "mail.example.com",
            "https://mail.example.com:8443/EWS/Exchange.asmx",
            "host",
        ),
        (
            "https://mail.example.com/owa/#path=/mail/inbox",
            "mail.example.com",
            "https://mail.example.com/EWS/Exchange.asmx",
            "owa_url",
        ),
        (
            "https://mail.example.com/owa/auth/logon.aspx?replaceCurrent=1",
            "mail.example.com",
            "https://mail.example.com/EWS/Exchange.asmx",
            "owa_url",
        ),
        (
            "https://mail.example.com/EWS/Exchange.asmx",
            "mail.example.com",
            "https://mail.example.com/EWS/Exchange.asmx",
            "ews_url",
        ),
        ("https://[::1]:4443/ews/", "::1", "https://[::1]:4443/EWS/Exchange.asmx", "ews_url"),
    ],
)
def test_server_text(text: str, host: str, ews_url: str, source: str) -> None:
    spec = normalise_server(text)
    assert (spec.host, spec.ews_url, spec.source) == (host, ews_url, source)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "enter a server"),
        ("alice@example.com", "email address"),
        ("http://mail.example.com/EWS/Exchange.asmx", "https"),
        ("https://bob:pw@mail.example.com/", "user name and password"),
        ("mail example.com", "spaces"),
        ("https://mail.example.com/intranet/home", "not an Exchange address"),
    ],
)
def test_server_text_errors_say_why(text: str, reason: str) -> None:
    with pytest.raises(ServerTextError) as raised:
        normalise_server(text)
    assert reason in raised.value.reason


def test_schemes_offered_and_chosen() -> None:
    headers = {"WWW-Authenticate": 'Negotiate, NTLM, Basic realm="mail.example.com"'}
    offered = offered_schemes(headers)
    assert offered == ("Negotiate", "NTLM", "Basic")
    assert choose_scheme(offered, "auto") == "NTLM"
    assert choose_scheme(offered, "basic") == "basic"
    assert choose_scheme(("Basic",), "auto") == "basic"
    with pytest.raises(NoUsableScheme) as modern:
        choose_scheme(
            offered_schemes({"WWW-Authenticate": 'Bearer client_id="x", error="y"'}), "auto"
        )
    assert modern.value.topic_id == "modern-auth-required"
    with pytest.raises(NoUsableScheme) as unsupported:
        choose_scheme(("Digest",), "auto")
    assert unsupported.value.topic_id == "auth-unsupported"


@pytest.mark.parametrize(
    ("body", "headers", "username", "topic"),
    [
        (b"The referenced account is currently locked out", {}, "a@example.com", "account-locked"),
        (b"The password for this account has expired.", {}, "a@example.com", "password-expired"),
        (b"", {"WWW-Authenticate": "Bearer error=x"}, "a@example.com", "modern-auth-required"),
        (b"", {}, "alice", "username-format"),
        (b"", {}, "EXAMPLE\\alice", "credentials-rejected"),
    ],
)
def test_rejections(body: bytes, headers: dict[str, str], username: str, topic: str) -> None:
    assert read_rejection(401, headers, body, username, "alice@example.com").topic_id == topic


def test_redirect_helpers() -> None:
    assert in_domain("mail.example.com", "example.com") and in_domain("example.com.", "example.com")
    assert not in_domain("example.com.evil.org", "example.com")
    assert (
        soap_url_for("https://h/autodiscover/autodiscover.xml")
        == "https://h/autodiscover/autodiscover.svc"
    )
    assert soap_url_for("https://h:8443/") == "https://h:8443/autodiscover/autodiscover.svc"
    assert best_failure(
        [Classified("connection-refused", "x"), Classified("dns-not-found", "y")]
    ).topic_id == ("autodiscover-failed")
    assert best_failure([Classified("dns-not-found", "x")] * 2).topic_id == "dns-not-found"
    assert best_failure(
        [Classified("dns-not-found", "x"), Classified("tls-untrusted", "y")]
    ).topic_id == ("tls-untrusted")


def test_soap_round_trip_escapes_and_reads_redirects() -> None:
    body = build_request("a&b@example.com", "https://h/autodiscover/autodiscover.svc").decode()
    assert "a&amp;b@example.com" in body and "GetUserSettingsRequestMessage" in body
    answer = parse_response(
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        b'<GetUserSettingsResponseMessage xmlns="http://schemas.microsoft.com/exchange/2010/Autodiscover">'
        b"<Response><ErrorCode>NoError</ErrorCode><UserResponses><UserResponse>"
        b"<ErrorCode>RedirectAddress</ErrorCode><ErrorMessage>x</ErrorMessage>"
        b"<RedirectTarget>bob@example.com</RedirectTarget><UserSettings/></UserResponse>"
        b"</UserResponses></Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>"
    )
    assert (answer.error_code, answer.redirect_target) == ("RedirectAddress", "bob@example.com")


def test_classify_walks_the_wrapping() -> None:
    inner = UnroutableAddressError(None, "mail.example.com", ("10.1.1.1",))
    wrapped = requests.exceptions.ConnectionError(
        urllib3.exceptions.MaxRetryError(None, "/", inner)
    )
    found = classify(wrapped)
    assert found.topic_id == "private-address-vpn"
    assert found.facts["addresses"] == "10.1.1.1"
    refused = requests.exceptions.ConnectionError(ConnectionRefusedError(111, "refused"))
    assert classify(refused).topic_id == "connection-refused"
    assert classify(RuntimeError("boom")).topic_id == "unexpected-error"
    assert classify(RuntimeError("boom"), cancelled=True).topic_id == "cancelled"


def test_exchangelib_autodiscover_cache_lives_in_the_state_directory() -> None:
    import exchangelib.autodiscover.cache

    from exsync_tui.core.connect.session import prepare_exchangelib
    from exsync_tui.core.paths import state_dir

    prepare_exchangelib()
    cache = exchangelib.autodiscover.cache.AUTODISCOVER_PERSISTENT_STORAGE
    assert cache.is_relative_to(state_dir())
    assert (cache.parent.stat().st_mode & 0o777) == 0o700
