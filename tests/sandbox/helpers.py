"""Helpers for the sandbox tests: an exchangelib account for a sandbox user."""

from __future__ import annotations

import requests
from exchangelib import BASIC, DELEGATE, Account, Configuration, Credentials
from lxml import etree

from exsync_tui.sandbox import Sandbox, SandboxUser


def account_for(
    sandbox: Sandbox,
    user: SandboxUser | None = None,
    auth_type: str = BASIC,
    password: str | None = None,
    username: str | None = None,
    version_guess: bool = True,
) -> Account:
    """An exchangelib Account with manual settings (no autodiscover), delegate access."""
    user = user or sandbox.info.users[0]
    credentials = Credentials(username or user.username, password or user.password)
    config = Configuration(
        service_endpoint=sandbox.info.ews_url, credentials=credentials, auth_type=auth_type
    )
    return Account(user.email, access_type=DELEGATE, autodiscover=False, config=config)


def soap(sandbox: Sandbox, body: str, user: SandboxUser | None = None) -> etree._Element:
    """POST one raw EWS operation (the element inside s:Body) and parse the response."""
    user = user or sandbox.info.users[0]
    envelope = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
        'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
        '<s:Header><t:RequestServerVersion Version="Exchange2016"/></s:Header>'
        f"<s:Body>{body}</s:Body></s:Envelope>"
    )
    response = requests.post(
        sandbox.info.ews_url,
        data=envelope.encode(),
        auth=(user.email, user.password),
        verify=sandbox.info.ca_file,
        timeout=30,
    )
    return etree.fromstring(response.content)


T = "{http://schemas.microsoft.com/exchange/services/2006/types}"
M = "{http://schemas.microsoft.com/exchange/services/2006/messages}"
