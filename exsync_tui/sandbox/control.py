"""The control API: change mailboxes and server behaviour while clients sync, read back the truth.

The HTTP control API (`control_http`) exposes exactly these methods.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from exsync_tui.sandbox import store_ops, store_writes
from exsync_tui.sandbox.calendar import MS_TIMEZONE_IDS
from exsync_tui.sandbox.faults import FaultInjector
from exsync_tui.sandbox.mime import simple_message
from exsync_tui.sandbox.model import CalendarEvent, MessageItem, Recurrence
from exsync_tui.sandbox.oauth_control import OAUTH_CONTROL_METHODS, OAuthControl
from exsync_tui.sandbox.oauth_grants import OAuthGrants
from exsync_tui.sandbox.oauth_tokens import TokenRegistry
from exsync_tui.sandbox.runtime import RequestLog, Switches
from exsync_tui.sandbox.store import MailboxStore
from exsync_tui.sandbox.tls import ServerTLS

# Methods the HTTP control API may call (everything public on Control).
CONTROL_METHODS = (
    "set_autodiscover",
    "set_srv",
    "set_redirect_target",
    "set_redirect_location",
    "set_trap_hosts",
    "set_ews_url",
    "set_redirect_address",
    "set_redirect_url",
    "set_password",
    "set_modern_auth_only",
    "set_ews_disabled",
    "set_password_expired",
    "set_latency",
    "rotate_certificate",
    "certificate_sha256",
    "inject_fault",
    "clear_faults",
    "active_faults",
    "invalidate_sync_states",
    "add_message",
    "update_message",
    "move_message",
    "delete_message",
    "mark_read",
    "set_flag",
    "set_unrenderable",
    "add_folder",
    "rename_folder",
    "set_folder_hidden",
    "move_folder",
    "remove_folder",
    "add_event",
    "update_event",
    "delete_event",
    "truth",
    "outbox",
    "outbox_envelopes",
    "request_log",
    "issue_access_token",
    "expire_access_tokens",
    "revoke_access_tokens",
    "clear_request_log",
    *OAUTH_CONTROL_METHODS,
)


class Control(OAuthControl):
    """Operations on a running sandbox (thread-safe; the store is saved after each change)."""

    def __init__(
        self,
        store: MailboxStore,
        switches: Switches,
        faults: FaultInjector,
        log: RequestLog,
        tls: ServerTLS | None,
        on_certificate_change: Callable[[], None] | None = None,
        tokens: TokenRegistry | None = None,
        oauth: OAuthGrants | None = None,
    ) -> None:
        self._store = store
        self._switches = switches
        self._faults = faults
        self._log = log
        self._tls = tls
        self._on_certificate_change = on_certificate_change
        self._tokens = tokens or TokenRegistry()
        self._oauth = oauth or OAuthGrants()

    # -- OAuth tokens ------------------------------------------------------------------------

    def issue_access_token(self, email: str, lifetime_s: float = 3600) -> str:
        """A bearer token for ``email``'s mailbox, as if the authority had issued it."""
        self._store.mailbox(email)  # an unknown address is an error, not a token for nobody
        return self._tokens.issue_access(email, lifetime_s=lifetime_s)

    def expire_access_tokens(self, email: str | None = None) -> int:
        """Expire every access token of ``email`` (None: everyone's) now."""
        return self._tokens.expire_access(email)

    def revoke_access_tokens(self, email: str) -> int:
        """Revoke every access token of ``email``."""
        return self._tokens.revoke_access(email)

    # -- server behaviour --------------------------------------------------------------------

    def set_autodiscover(
        self,
        root: bool | None = None,
        autodiscover_host: bool | None = None,
        http_redirect: bool | None = None,
        srv: bool | None = None,
    ) -> None:
        """Switch each autodiscover method on or off (None leaves it as it is)."""
        if root is not None:
            self._switches.autodiscover_root = root
        if autodiscover_host is not None:
            self._switches.autodiscover_host = autodiscover_host
        if http_redirect is not None:
            self._switches.http_redirect = http_redirect
        if srv is not None:
            self._switches.srv = srv

    def set_srv(self, target: str | None = None, port: int = 443) -> None:
        """Point the SRV record elsewhere (None: autodiscover.<domain>)."""
        self._switches.srv_target, self._switches.srv_port = target, port

    def set_redirect_target(self, host: str | None = None, scheme: str = "https") -> None:
        """Where the HTTP redirect points (None: mail.<domain>); the host serves autodiscover.

        ``host`` must be ``<domain>`` or ``NAME.<domain>``: the DNS responder answers for
        it and the certificate (``*.<domain>``) covers it. ``scheme="http"`` stands in for
        a misconfigured redirect that clients must refuse to follow.
        """
        domain = self._store.domain
        if host is not None:
            host = host.lower().rstrip(".")
            label = host.removesuffix(f".{domain}")
            if host != domain and (label == host or not label or "." in label):
                raise ValueError(f"the redirect host must be {domain} or NAME.{domain}")
        if scheme not in ("http", "https"):
            raise ValueError("scheme must be http or https")
        self._switches.redirect_host, self._switches.redirect_scheme = host, scheme

    def set_redirect_location(self, location: str | None) -> None:
        """Answer the HTTP redirect with this exact Location (None: the normal one).

        Anyone on the path can forge this plain-HTTP answer; tests use it to send
        clients addresses that parsers read differently.
        """
        self._switches.redirect_location = location

    def set_trap_hosts(self, hosts: list[str]) -> None:
        """Make these Host names play an attacker: a sign-in challenge on every path.

        Map the names to the sandbox (connect-to) and the request log shows, by Host,
        every password a client sent there.
        """
        self._switches.trap_hosts = frozenset(host.lower() for host in hosts)

    def set_ews_url(self, url: str | None) -> None:
        """The EWS URL Autodiscover returns (None: https://mail.<domain>/EWS/Exchange.asmx)."""
        self._switches.ews_url = url

    def set_latency(self, milliseconds: int) -> None:
        """Delay every main-listener request by this much."""
        self._switches.latency_ms = milliseconds

    def rotate_certificate(self, new_ca: bool = False) -> str:
        """New leaf key and certificate (optionally a new CA); returns the new leaf's SHA-256."""
        if self._tls is None:
            raise ValueError("the sandbox runs without TLS")
        self._tls.rotate(new_ca=new_ca)
        if self._on_certificate_change is not None:
            self._on_certificate_change()
        return self._tls.leaf_sha256()

    def certificate_sha256(self) -> str:
        """SHA-256 (hex) of the current leaf certificate's DER bytes."""
        if self._tls is None:
            raise ValueError("the sandbox runs without TLS")
        return self._tls.leaf_sha256()

    def inject_fault(self, spec: str) -> None:
        """Add fault rules (SPEC syntax: see `exsync_tui.sandbox.faults`)."""
        self._faults.add(spec)

    def clear_faults(self) -> None:
        """Remove all fault rules and release hung requests."""
        self._faults.clear()

    def active_faults(self) -> list[str]:
        """The active fault rules."""
        return self._faults.active()

    def request_log(self) -> list[dict[str, Any]]:
        """Every request answered so far (method, path, host, status, auth, operation, user)."""
        return self._log.entries()

    def wait_for_request(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> bool:
        """Block until a logged request matches `predicate` (True), or `timeout` passes."""
        return self._log.wait_for(predicate, timeout)

    def clear_request_log(self) -> None:
        """Forget the request log."""
        self._log.clear()

    # -- accounts ----------------------------------------------------------------------------

    def _change(self, email: str, apply: Callable[..., Any]) -> Any:
        with self._store.lock:
            result = apply(self._store.mailbox(email))
        self._store.save()
        return result

    def set_redirect_address(self, email: str, other_email: str | None) -> None:
        """Autodiscover answers RedirectAddress to `other_email` for this mailbox."""
        self._change(email, lambda mb: setattr(mb, "redirect_address", other_email))

    def set_redirect_url(self, email: str, url: str | None) -> None:
        """Autodiscover answers RedirectUrl to `url` for this mailbox."""
        self._change(email, lambda mb: setattr(mb, "redirect_url", url))

    def set_password(self, email: str, new: str) -> None:
        """Change the mailbox's password (old sessions must sign in again)."""
        self._change(email, lambda mb: setattr(mb, "password", new))

    def set_modern_auth_only(self, email: str, enabled: bool = True) -> None:
        """Answer like Microsoft 365 with Basic/NTLM off: 401 with a Bearer challenge only."""
        self._change(email, lambda mb: setattr(mb, "modern_auth_only", enabled))

    def set_ews_disabled(self, email: str, disabled: bool = True) -> None:
        """Refuse EWS for this mailbox with ErrorAccessDenied."""
        self._change(email, lambda mb: setattr(mb, "ews_disabled", disabled))

    def set_password_expired(self, email: str, expired: bool = True) -> None:
        """Refuse sign-in with a 401 telling the password has expired."""
        self._change(email, lambda mb: setattr(mb, "password_expired", expired))

    def invalidate_sync_states(self, email: str) -> None:
        """Every sync state issued so far answers ErrorInvalidSyncStateData."""
        self._change(email, self._store.invalidate_sync_states)

    # -- mailbox contents --------------------------------------------------------------------

    def add_message(
        self,
        email: str,
        folder: str = "inbox",
        mime: bytes | None = None,
        subject: str = "Hello from the sandbox",
        body: str = "Added through the control API.",
        is_read: bool = False,
    ) -> str:
        """Add a message (raw MIME, or a plain one from subject and body); returns its id."""

        def apply(mb: Any) -> str:
            content = mime or simple_message(
                subject,
                body,
                ("Control API", f"control@{self._store.domain}"),
                (mb.display_name, mb.email),
                f"<{uuid.uuid4().hex}@{self._store.domain}>",
            )
            target = self._store.folder_by_name_or_id(mb, folder)
            return store_ops.create_message(mb, target.id, content, is_read=is_read).id

        return str(self._change(email, apply))

    def update_message(
        self, email: str, item_id: str, subject: str | None = None, mime: bytes | None = None
    ) -> None:
        """Change a message's content: new MIME, or the same MIME with a new Subject."""

        def apply(mb: Any) -> None:
            current = store_ops.item(mb, item_id)
            assert isinstance(current, MessageItem)
            content = mime if mime is not None else _replace_subject(current.mime, subject or "")
            store_ops.update_message(mb, item_id, content)

        self._change(email, apply)

    def move_message(self, email: str, item_id: str, folder: str) -> str:
        """Move an item to another folder; returns its new id (ids change on move)."""
        return str(
            self._change(
                email,
                lambda mb: (
                    store_ops.move_item(
                        mb, item_id, self._store.folder_by_name_or_id(mb, folder).id
                    ).id
                ),
            )
        )

    def delete_message(self, email: str, item_id: str) -> None:
        """Delete an item."""
        self._change(email, lambda mb: store_ops.delete_item(mb, item_id))

    def mark_read(self, email: str, item_id: str, is_read: bool = True) -> None:
        """Mark a message read or unread."""
        self._change(email, lambda mb: store_ops.set_read(mb, item_id, is_read))

    def set_flag(self, email: str, item_id: str, flag_status: int = 2) -> None:
        """Set a message's follow-up flag: 2 flagged, 1 complete, 0 none."""
        self._change(email, lambda mb: store_ops.set_flag(mb, item_id, flag_status))

    def set_unrenderable(self, email: str, item_id: str, unrenderable: bool = True) -> None:
        """Make GetItem fail to convert a message's MIME (ErrorMimeContentConversionFailed)."""

        def apply(mb: Any) -> None:
            message = store_ops.item(mb, item_id)
            assert isinstance(message, MessageItem)
            message.unrenderable = unrenderable

        self._change(email, apply)

    def add_folder(self, email: str, parent: str, name: str, folder_class: str = "IPF.Note") -> str:
        """Add a folder under `parent` (id or distinguished name); returns its id."""
        return str(
            self._change(
                email,
                lambda mb: (
                    store_writes.create_folder(
                        mb, self._store.folder_by_name_or_id(mb, parent).id, name, folder_class
                    ).id
                ),
            )
        )

    def rename_folder(self, email: str, folder_id: str, name: str) -> None:
        """Rename a folder."""
        self._change(email, lambda mb: store_writes.rename_folder(mb, folder_id, name))

    def set_folder_hidden(self, email: str, folder_id: str, hidden: bool = True) -> None:
        """Mark a folder hidden (``isHidden``: Graph lists it only with includeHiddenFolders)."""
        self._change(email, lambda mb: store_ops.set_folder_hidden(mb, folder_id, hidden))

    def move_folder(self, email: str, folder_id: str, parent: str) -> None:
        """Move a folder under `parent` (id or distinguished name); its id stays."""
        self._change(
            email,
            lambda mb: store_ops.move_folder(
                mb, folder_id, self._store.folder_by_name_or_id(mb, parent).id
            ),
        )

    def remove_folder(self, email: str, folder_id: str) -> None:
        """Delete a folder with everything in it."""
        self._change(email, lambda mb: store_ops.remove_folder(mb, folder_id))

    def add_event(
        self,
        email: str,
        subject: str,
        start: str,
        end: str,
        timezone: str = "UTC",
        all_day: bool = False,
        location: str = "",
        weekly_count: int | None = None,
        uid: str | None = None,
    ) -> str:
        """Add an event (ISO 8601 start/end; `weekly_count` makes it weekly); returns its id.

        `uid` gives it a chosen iCalendar UID (two events may share one, as after an
        invitation was imported twice)."""
        if timezone not in MS_TIMEZONE_IDS:
            raise ValueError(f"time zone must be one of {sorted(MS_TIMEZONE_IDS)}")

        def apply(mb: Any) -> str:
            calendar = self._store.folder_by_name_or_id(mb, "calendar")
            begin, finish = _aware(start, timezone), _aware(end, timezone)
            event = CalendarEvent(
                id="",
                serial=0,
                folder_id=calendar.id,
                subject=subject,
                created_seq=0,
                changed_seq=0,
                read_seq=0,
                uid=uid or uuid.uuid4().hex.upper(),
                location=location,
                start=begin,
                end=finish,
                timezone=timezone,
                all_day=all_day,
                organizer=(mb.display_name, mb.email),
                recurrence=(
                    Recurrence("weekly", weekdays=[begin.weekday()], count=weekly_count)
                    if weekly_count
                    else None
                ),
            )
            return store_ops.create_event(mb, event).id

        return str(self._change(email, apply))

    def update_event(
        self, email: str, item_id: str, subject: str | None = None, location: str | None = None
    ) -> None:
        """Change an event's subject or location."""

        def apply(mb: Any) -> None:
            event = store_ops.item(mb, item_id)
            assert isinstance(event, CalendarEvent)
            event.subject = subject if subject is not None else event.subject
            event.location = location if location is not None else event.location
            event.sequence += 1
            store_ops.mark_changed(mb, event)

        self._change(email, apply)

    def delete_event(self, email: str, item_id: str) -> None:
        """Delete an event (a whole series for a recurring master)."""
        self.delete_message(email, item_id)

    def outbox(self, email: str) -> list[bytes]:
        """The MIME of every message this mailbox sent through EWS, oldest first."""
        with self._store.lock:
            return list(self._store.mailbox(email).outbox)

    def outbox_envelopes(self, email: str) -> list[dict[str, Any]]:
        """Each message this mailbox sent, oldest first: ``recipients`` (Bcc included) and
        ``mime`` (as transmitted: no Bcc field)."""
        with self._store.lock:
            mailbox = self._store.mailbox(email)
            return [
                {"recipients": list(recipients), "mime": mime}
                for mime, recipients in zip(mailbox.outbox, mailbox.outbox_recipients, strict=True)
            ]

    def truth(self, email: str, include_mime: bool = True) -> dict[str, Any]:
        """The full server-side state of a mailbox, for tests to compare against."""
        from exsync_tui.sandbox.truth import mailbox_truth

        with self._store.lock:
            return mailbox_truth(self._store.mailbox(email), include_mime)


def _aware(value: str, timezone: str) -> dt.datetime:
    from zoneinfo import ZoneInfo

    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


def _replace_subject(mime: bytes, subject: str) -> bytes:
    import email
    import email.policy

    message = email.message_from_bytes(mime, policy=email.policy.SMTP)
    del message["Subject"]
    message["Subject"] = subject
    return message.as_bytes()
