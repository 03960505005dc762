"""The sandbox's Graph subset as a plain HTTP client sees it: sign-in, paging, ids, errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any
from zoneinfo import ZoneInfo

import requests

from exsync_tui.sandbox import Sandbox
from exsync_tui.sandbox.graph.limits import MailboxConcurrency

IMMUTABLE = 'IdType="ImmutableId"'


class Graph:
    """A bare requests client for one mailbox (trusting the sandbox CA only)."""

    def __init__(self, sb: Sandbox, token: str | None = None) -> None:
        self.sb = sb
        self.email = sb.info.users[0].email
        self.token = token or sb.control.issue_access_token(self.email)
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE would replace the sandbox CA
        assert sb.info.ca_file is not None
        self.session.verify = sb.info.ca_file

    def get(self, path: str, prefer: str = IMMUTABLE, **params: str) -> requests.Response:
        url = path if path.startswith("https://") else f"{self.sb.info.graph_url}/v1.0/{path}"
        headers = {"Authorization": f"Bearer {self.token}", "Prefer": prefer}
        return self.session.get(url, params=params or None, headers=headers, timeout=30)

    def delta(
        self, folder: str = "inbox", link: str | None = None, **params: str
    ) -> list[dict[str, Any]]:
        """Every page of one delta round (from ``link``, or a first round)."""
        pages, page = [], 3
        answer = self.get(link or f"me/mailFolders/{folder}/messages/delta",
                          prefer=f"odata.maxpagesize={page}, {IMMUTABLE}", **params)  # fmt: skip
        while True:
            assert answer.status_code == 200, answer.text
            pages.append(answer.json())
            link = pages[-1].get("@odata.nextLink")
            if not link:
                return pages
            answer = self.get(link, prefer=f"odata.maxpagesize={page}, {IMMUTABLE}")


def test_without_a_valid_token_graph_answers_401_with_its_error_json(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    graph = Graph(sb)
    assert graph.get("me").json()["mail"] == graph.email
    for token in ("", "not-a-token"):
        refused = Graph(sb, token or " ").get("me")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "InvalidAuthenticationToken"
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    sb.control.expire_access_tokens(graph.email)
    assert graph.get("me").status_code == 401
    fresh = Graph(sb)
    sb.control.revoke_access_tokens(graph.email)
    assert fresh.get("me").status_code == 401


def test_a_delta_round_pages_by_maxpagesize_and_then_reports_only_changes(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=10, events=0)
    graph = Graph(sb)
    truth = sb.control.truth(graph.email)
    inbox_id = next(f["id"] for f in truth["folders"] if f["distinguished"] == "inbox")
    inbox = [i for i in truth["items"] if i["folder_id"] == inbox_id]
    pages = graph.delta(**{"$select": "isRead,flag"})
    listed = [m for p in pages for m in p["value"]]
    assert all(len(p["value"]) <= 3 for p in pages) and len(pages) > 1
    assert sorted(m["id"] for m in listed) == sorted(i["graph_id"] for i in inbox)
    assert all(set(m) <= {"@odata.etag", "id", "isRead", "flag"} for m in listed)
    assert "@odata.deltaLink" in pages[-1]

    changed, gone = inbox[0], inbox[1]
    sb.control.mark_read(graph.email, changed["id"], not changed["is_read"])
    sb.control.delete_message(graph.email, gone["id"])
    later = graph.delta(link=pages[-1]["@odata.deltaLink"])
    entries = [m for p in later for m in p["value"]]
    assert {m["id"]: m.get("isRead") for m in entries if "@removed" not in m} == {
        changed["graph_id"]: not changed["is_read"]
    }
    assert [m["id"] for m in entries if "@removed" in m] == [gone["graph_id"]]


def test_ids_survive_a_move_only_when_immutable_ids_are_asked_for(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=6, events=0)
    graph = Graph(sb)
    first = graph.delta()[0]["value"][0]["id"]
    truth = sb.control.truth(graph.email)
    ews_id = next(i["id"] for i in truth["items"] if i["graph_id"] == first)
    moved = sb.control.move_message(graph.email, ews_id, "deleteditems")
    assert graph.get(f"me/messages/{first}/$value").status_code == 200
    plain = graph.get("me/mailFolders/deleteditems/messages/delta", prefer="")
    assert [m["id"] for m in plain.json()["value"]] == [moved]
    immutable = graph.delta("deleteditems")[0]["value"]
    assert [m["id"] for m in immutable] == [first]
    assert graph.get("me/messages/nope/$value").json()["error"]["code"] == "ErrorItemNotFound"


def test_an_invalidated_delta_link_is_gone_and_429s_carry_retry_after(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=3, events=0)
    graph = Graph(sb)
    link = graph.delta()[-1]["@odata.deltaLink"]
    sb.control.invalidate_sync_states(graph.email)
    expired = graph.get(link)
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "SyncStateNotFound"
    sb.control.inject_fault("429:7*1/GraphFolders;429*1/GraphFolders")
    throttled = graph.get("me/mailFolders")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert "Retry-After" not in graph.get("me/mailFolders").headers
    assert graph.get("me/mailFolders").status_code == 200


def test_the_folder_tree_and_calendars_are_the_ews_ones(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=2, events=5)
    graph = Graph(sb)
    truth = sb.control.truth(graph.email)
    top = graph.get("me/mailFolders", **{"$top": "2"}).json()
    assert len(top["value"]) == 2 and "@odata.nextLink" in top
    inbox = graph.get("me/mailFolders/inbox").json()
    children = graph.get(f"me/mailFolders/{inbox['id']}/childFolders").json()["value"]
    expected = {f["name"] for f in truth["folders"] if f["parent_id"] == inbox["id"]
                and (f["folder_class"] or "").startswith("IPF.Note")}  # fmt: skip
    assert {c["displayName"] for c in children} == expected
    calendars = graph.get("me/calendars").json()["value"]
    calendar = next(c for c in calendars if c["isDefaultCalendar"])
    events = graph.get(f"me/calendars/{calendar['id']}/events", **{"$top": "50"}).json()["value"]
    assert {e["iCalUId"] for e in events} == {
        i["uid"] for i in truth["items"] if i["kind"] == "event"
    }
    recurring = [e["recurrence"] for e in events if e["recurrence"]]
    master = next(e for e in events if e["recurrence"] and e["recurrence"]["range"]["type"]
                  == "numbered" and e["recurrence"]["pattern"]["type"] == "weekly")  # fmt: skip
    assert len(recurring) >= 2
    timed = next(e for e in events if not e["isAllDay"])
    assert timed["start"]["timeZone"] == "UTC"  # Graph's default, whatever the event's own
    path = f"me/events/{timed['id']}"
    tokyo = graph.get(path, prefer='outlook.timezone="Tokyo Standard Time"').json()["start"]
    utc = dt.datetime.fromisoformat(timed["start"]["dateTime"][:19]).replace(tzinfo=dt.UTC)
    local = dt.datetime.fromisoformat(tokyo["dateTime"][:19]).replace(tzinfo=ZoneInfo("Asia/Tokyo"))
    assert tokyo["timeZone"] == "Tokyo Standard Time" and local == utc
    window = {"startDateTime": "2020-01-01T00:00:00Z", "endDateTime": "2030-01-01T00:00:00Z"}
    instances = graph.get(f"me/events/{master['id']}/instances", **window).json()["value"]
    # Ten weekly instances, one cancelled (absent), one moved (an exception).
    assert len(instances) == 9
    assert [i["type"] for i in instances].count("exception") == 1


def test_a_fifth_request_in_flight_for_one_mailbox_is_refused() -> None:
    limits = MailboxConcurrency()
    with ExitStack() as stack:
        held = [stack.enter_context(limits.slot("a@example.com")) for _ in range(4)]
        with limits.slot("a@example.com") as fifth, limits.slot("b@example.com") as other:
            assert held == [False] * 4 and fifth and not other
        with limits.slot(None) as anonymous:
            assert not anonymous
    with limits.slot("a@example.com") as again:
        assert not again  # slots are given back
