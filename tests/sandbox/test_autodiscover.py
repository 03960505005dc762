"""Autodiscover SOAP, the unauthenticated HTTP redirect, virtual hosts and the DNS responder."""

from __future__ import annotations

from typing import Any

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
import requests
from lxml import etree

from exsync_tui.sandbox import Sandbox

ANS = "http://schemas.microsoft.com/exchange/2010/Autodiscover"


def _request(*addresses: str, settings: tuple[str, ...] = ("ExternalEwsUrl",)) -> bytes:
    users = "".join(f"<a:User><a:Mailbox>{a}</a:Mailbox></a:User>" for a in addresses)
    wanted = "".join(f"<a:Setting>{s}</a:Setting>" for s in settings)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:a="{ANS}" xmlns:wsa="http://www.w3.org/2005/08/addressing">'
        "<s:Header><a:RequestedServerVersion>Exchange2013</a:RequestedServerVersion>"
        "<wsa:Action>http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/"
        "GetUserSettings</wsa:Action></s:Header><s:Body><a:GetUserSettingsRequestMessage>"
        f"<a:Request><a:Users>{users}</a:Users><a:RequestedSettings>{wanted}"
        "</a:RequestedSettings></a:Request></a:GetUserSettingsRequestMessage></s:Body>"
        "</s:Envelope>"
    ).encode()


def _post(sandbox: Sandbox, body: bytes, host: str | None = None) -> requests.Response:
    user = sandbox.info.users[0]
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if host:
        headers["Host"] = host
    return requests.post(
        sandbox.info.autodiscover_url,
        data=body,
        headers=headers,
        auth=(user.email, user.password),
        verify=sandbox.info.ca_file,
        timeout=10,
    )


def _user_responses(response: requests.Response) -> list[etree._Element]:
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    return root.findall(f".//{{{ANS}}}UserResponse")


def _settings(user_response: etree._Element) -> dict[str, str]:
    return {
        s.findtext(f"{{{ANS}}}Name"): s.findtext(f"{{{ANS}}}Value")
        for s in user_response.iter(f"{{{ANS}}}UserSetting")
    }


def test_get_user_settings_returns_what_real_servers_return(sandbox: Sandbox) -> None:
    email = sandbox.info.users[1].email
    wanted = (
        "ExternalEwsUrl",
        "InternalEwsUrl",
        "AutoDiscoverSMTPAddress",
        "EwsSupportedSchemas",
        "UserDisplayName",
        "NoSuchSetting",
    )
    (response,) = _user_responses(_post(sandbox, _request(email, settings=wanted)))
    assert response.findtext(f"{{{ANS}}}ErrorCode") == "NoError"
    settings = _settings(response)
    assert settings["ExternalEwsUrl"] == f"https://mail.{sandbox.info.domain}/EWS/Exchange.asmx"
    assert settings["AutoDiscoverSMTPAddress"] == email
    assert "Exchange2016" in settings["EwsSupportedSchemas"]
    errors = response.findall(f".//{{{ANS}}}UserSettingError")
    assert [e.findtext(f"{{{ANS}}}SettingName") for e in errors] == ["NoSuchSetting"]
    assert errors[0].findtext(f"{{{ANS}}}ErrorCode") == "InvalidSetting"


def test_unknown_mailbox_is_invalid_user(sandbox: Sandbox) -> None:
    responses = _user_responses(_post(sandbox, _request(f"ghost@{sandbox.info.domain}")))
    assert responses[0].findtext(f"{{{ANS}}}ErrorCode") == "InvalidUser"


def test_redirect_address_and_url(fresh_sandbox: Any) -> None:
    sandbox = fresh_sandbox(messages=0, events=0)
    alice, bob, carol = (u.email for u in sandbox.info.users)
    sandbox.control.set_redirect_address(alice, "alice@other.example")
    sandbox.control.set_redirect_url(
        bob, "https://autodiscover.other.example/autodiscover/autodiscover.svc"
    )
    first, second, third = _user_responses(_post(sandbox, _request(alice, bob, carol)))
    assert first.findtext(f"{{{ANS}}}ErrorCode") == "RedirectAddress"
    assert first.findtext(f"{{{ANS}}}RedirectTarget") == "alice@other.example"
    assert second.findtext(f"{{{ANS}}}ErrorCode") == "RedirectUrl"
    assert second.findtext(f"{{{ANS}}}RedirectTarget").startswith("https://autodiscover.other")
    assert third.findtext(f"{{{ANS}}}ErrorCode") == "NoError"


def test_exchangelib_parses_the_sandbox_response(sandbox: Sandbox) -> None:
    from exchangelib.properties import UserResponse

    (response,) = _user_responses(
        _post(
            sandbox,
            _request(
                sandbox.info.users[0].email,
                settings=("ExternalEwsUrl", "EwsSupportedSchemas", "AutoDiscoverSMTPAddress"),
            ),
        )
    )
    parsed = UserResponse.from_xml(elem=response, account=None)
    parsed.raise_errors()
    assert parsed.ews_url.endswith("/EWS/Exchange.asmx")
    assert parsed.version.api_version == "Exchange2016"


@pytest.mark.parametrize(
    ("switch", "host_prefix"), [("root", ""), ("autodiscover_host", "autodiscover.")]
)
def test_each_autodiscover_host_can_be_switched_off(
    fresh_sandbox: Any, switch: str, host_prefix: str
) -> None:
    sandbox = fresh_sandbox(messages=0, events=0)
    host = f"{host_prefix}{sandbox.info.domain}"
    body = _request(sandbox.info.users[0].email)
    assert _post(sandbox, body, host=host).status_code == 200
    sandbox.control.set_autodiscover(**{switch: False})
    assert _post(sandbox, body, host=host).status_code == 404
    other = f"autodiscover.{sandbox.info.domain}" if switch == "root" else sandbox.info.domain
    assert _post(sandbox, body, host=other).status_code == 200


def test_unauthenticated_autodiscover_gets_the_three_challenges(sandbox: Sandbox) -> None:
    response = requests.post(
        sandbox.info.autodiscover_url, data=b"", verify=sandbox.info.ca_file, timeout=10
    )
    assert response.status_code == 401
    challenges = response.raw.headers.getlist("WWW-Authenticate")
    assert challenges[:2] == ["Negotiate", "NTLM"] and challenges[2].startswith("Basic realm=")


def test_http_redirect_endpoint(fresh_sandbox: Any) -> None:
    sandbox = fresh_sandbox(messages=0, events=0)
    url = f"{sandbox.info.http_url}/Autodiscover/Autodiscover.xml"
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    domain = sandbox.info.domain
    # Not autodiscover.<domain>: method 2 has already tried that host.
    assert response.headers["Location"] == f"https://mail.{domain}/autodiscover/autodiscover.xml"
    sandbox.control.set_autodiscover(http_redirect=False)
    assert requests.get(url, allow_redirects=False, timeout=10).status_code == 404


def test_the_redirect_target_can_be_moved_and_resolves(fresh_sandbox: Any) -> None:
    sandbox = fresh_sandbox(messages=0, events=0)
    domain = sandbox.info.domain
    url = f"{sandbox.info.http_url}/autodiscover/autodiscover.xml"
    assert _dns(sandbox, f"exchange.{domain}", "A").rcode() == dns.rcode.NXDOMAIN

    sandbox.control.set_redirect_target(f"Exchange.{domain}")

    location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    assert location == f"https://exchange.{domain}/autodiscover/autodiscover.xml"
    (address,) = _dns(sandbox, f"exchange.{domain}", "A").answer[0]
    assert address.to_text() == "127.0.0.1"
    sandbox.control.set_redirect_target(scheme="http")
    location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    assert location == f"http://mail.{domain}/autodiscover/autodiscover.xml"


@pytest.mark.parametrize("host", ["mail.other.example", "a.b.example.com", "example.com.evil"])
def test_the_redirect_target_must_be_a_host_the_sandbox_can_serve(
    sandbox: Sandbox, host: str
) -> None:
    with pytest.raises(ValueError, match="redirect host must be"):
        sandbox.control.set_redirect_target(host)


def _dns(sandbox: Sandbox, name: str, rdtype: str) -> dns.message.Message:
    host, port = sandbox.info.dns_server.rsplit(":", 1)
    return dns.query.udp(dns.message.make_query(name, rdtype), host, port=int(port), timeout=5)


def test_dns_answers_srv_a_and_nxdomain(fresh_sandbox: Any) -> None:
    sandbox = fresh_sandbox(messages=0, events=0)
    domain = sandbox.info.domain
    srv = _dns(sandbox, f"_autodiscover._tcp.{domain}", "SRV")
    (record,) = srv.answer[0]
    assert (record.port, record.target.to_text()) == (443, f"autodiscover.{domain}.")
    for name in (domain, f"autodiscover.{domain}", f"mail.{domain}"):
        (address,) = _dns(sandbox, name, "A").answer[0]
        assert address.to_text() == "127.0.0.1"
    assert _dns(sandbox, f"www.{domain}", "A").rcode() == dns.rcode.NXDOMAIN
    sandbox.control.set_srv("mail.other.example", 8443)
    (record,) = _dns(sandbox, f"_autodiscover._tcp.{domain}", "SRV").answer[0]
    assert (record.port, record.target.to_text()) == (8443, "mail.other.example.")
    sandbox.control.set_autodiscover(srv=False)
    assert not _dns(sandbox, f"_autodiscover._tcp.{domain}", "SRV").answer


def test_http_control_api_mirrors_the_python_one(fresh_sandbox: Any) -> None:
    sandbox = fresh_sandbox(messages=2, events=0)
    email = sandbox.info.users[0].email
    base = sandbox.info.control_url
    added = requests.post(
        f"{base}/add_message", json={"email": email, "subject": "Via HTTP"}, timeout=10
    )
    item_id = added.json()["result"]
    truth = requests.get(f"{base}/truth", params={"email": email}, timeout=10).json()["result"]
    item = next(i for i in truth["items"] if i["id"] == item_id)
    assert item["subject"] == "Via HTTP"
    assert b"Via HTTP" in __import__("base64").b64decode(item["mime"]["base64"])
    bad = requests.post(f"{base}/no_such_thing", json={}, timeout=10)
    assert bad.status_code == 404
    wrong = requests.post(f"{base}/mark_read", json={"email": email, "item_id": "nope"}, timeout=10)
    assert wrong.status_code == 400
