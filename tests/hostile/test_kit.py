"""The kit's redirect abilities for URL tests: any Location or RedirectUrl, every request seen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.behaviours import http_redirect, soap_redirect_url
from tests.hostile.helpers import timed_connect
from tests.hostile.server import HostileServer

ELSEWHERE = "elsewhere.test"


@pytest.fixture
def with_elsewhere() -> Iterator[HostileServer]:
    """A hostile server that also serves a host outside the mailbox's domain."""
    with HostileServer(extra_hosts=(ELSEWHERE,)) as server:
        yield server


def test_a_redirect_url_is_followed_in_domain_and_every_request_is_recorded(
    hostile: HostileServer,
) -> None:
    domain = hostile.domain
    target = f"https://mail.{domain}/autodiscover/autodiscover.svc"
    hostile.behave(soap_redirect_url(target), host=f"autodiscover.{domain}")

    timed_connect(hostile.request(), 10)

    seen = [(s.scheme, s.host, s.path, s.credentialed) for s in hostile.seen]
    svc = "/autodiscover/autodiscover.svc"
    assert ("https", f"autodiscover.{domain}", svc, False) in seen
    assert ("https", f"autodiscover.{domain}", svc, True) in seen
    assert ("https", f"mail.{domain}", svc, False) in seen  # the redirect was followed
    assert hostile.credentialed_hosts() <= {f"autodiscover.{domain}", f"mail.{domain}"}


@pytest.mark.parametrize("how", ["http-location", "redirect-url"])
def test_a_declined_redirect_sends_nothing_credentialed_elsewhere(
    with_elsewhere: HostileServer, how: str
) -> None:
    server = with_elsewhere
    target = f"https://{ELSEWHERE}/autodiscover/autodiscover.svc"
    if how == "http-location":
        server.behave(http_redirect(target), path="/autodiscover/autodiscover.xml")
    else:
        server.behave(soap_redirect_url(target), host=f"autodiscover.{server.domain}")

    run = timed_connect(server.request(), 10)

    assert run.topic_id == "redirect-declined"
    assert ELSEWHERE not in server.credentialed_hosts()
    plain = ("http", f"autodiscover.{server.domain}", "/autodiscover/autodiscover.xml", "GET")
    assert plain in [(seen.scheme, seen.host, seen.path, seen.method) for seen in server.seen]
