"""exsync's own Autodiscover driver: every method in order, each attempt a recorded step.

exchangelib has an autodiscover implementation, but it resolves names with
real DNS lookups of its own, stops telling *why* each method failed, and keeps
going after a 401 (one wrong password sent to four servers). This driver tries,
in order:

1. ``https://<domain>/autodiscover/autodiscover.svc``
2. ``https://autodiscover.<domain>/autodiscover/autodiscover.svc``
3. the unauthenticated redirect ``http://autodiscover.<domain>/autodiscover/autodiscover.xml``
   (only an https target is followed),
4. DNS SRV ``_autodiscover._tcp.<domain>``,

with SOAP GetUserSettings through exsync's adapter (so connect-to, the
nameserver, TLS trust and the route guard apply). RedirectAddress and
RedirectUrl answers are followed up to :data:`MAX_REDIRECTS` hops; before
credentials go to a host outside the user's domain (the EWS host it finds
included), ``confirm_redirect`` asks. Every address an answer names (a
redirect, an SRV target, a RedirectUrl, a RedirectAddress domain, the EWS URL)
is checked by :func:`~exsync_tui.core.net.urls.check_url` before it is trusted,
and each host the user agrees to is granted in the attempt's
:class:`~exsync_tui.core.net.credentials.CredentialScope`, which the HTTP
adapter enforces on every request.
A refused sign-in ends autodiscover at once: the password is wrong everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import requests

from exsync_tui.core.connect.auth import (
    NoUsableScheme,
    choose_scheme,
    offered_schemes,
    read_rejection,
    requests_auth,
)
from exsync_tui.core.connect.autodiscover_soap import (
    AUTODISCOVER_PATH,
    HEADERS,
    AutodiscoverResponseError,
    UserSettingsResponse,
    build_request,
    parse_response,
)
from exsync_tui.core.connect.recorder import RunningStep, StepRecorder
from exsync_tui.core.connect.request import ConnectRequest
from exsync_tui.core.connect.server_text import ServerTextError, normalise_server
from exsync_tui.core.diagnose.classify import Classified, TopicError, classify
from exsync_tui.core.net import NameNotFoundError, PolicyScope, current_scope, lookup_srv
from exsync_tui.core.net.credentials import CredentialScope, covered
from exsync_tui.core.net.urls import UnsafeAddressError, check_host, check_url, wire_host
from exsync_tui.core.steps import StepStatus

MAX_REDIRECTS = 10
PROBE_TIMEOUT = (5.0, 20.0)  # (connect, read) seconds for each autodiscover request
STEP_PREFIX = "Autodiscover"

# Topics that explain an autodiscover failure better than "not found" when any attempt hit them.
_TELLING_TOPICS = (
    "private-address-vpn",
    "tls-pin-mismatch",
    "tls-untrusted",
    "redirect-declined",
    "server-busy",
    "server-silent",
    "server-timeout",
    "tls-silent",
    "proxy-error",
    "response-rejected",
)

ConfirmRedirect = Callable[[str], bool]


@dataclass(frozen=True)
class AutodiscoverResult:
    """What autodiscover found: where EWS is and how sign-in worked."""

    ews_url: str
    smtp_address: str
    server_version: str | None
    auth_type: str  # exchangelib's spelling: "NTLM" or "basic"
    offered_schemes: tuple[str, ...]
    autodiscover_url: str


@dataclass(frozen=True)
class _Follow:
    """Try this URL next (RedirectUrl or an HTTP redirect)."""

    url: str


@dataclass(frozen=True)
class _NewAddress:
    """Start again for another email address (RedirectAddress)."""

    email: str


@dataclass(frozen=True)
class _Skip:
    """This URL did not work; try the next method."""

    failure: Classified


def in_domain(host: str, domain: str) -> bool:
    """True when ``host`` is ``domain`` or one of its subdomains."""
    return covered(host.lower().rstrip("."), [domain])


def soap_url_for(url: str) -> str:
    """The SOAP endpoint for an autodiscover URL (a redirect may name the POX ``.xml`` one)."""
    parts = urlsplit(url)
    path = parts.path
    if path.lower().endswith("/autodiscover.xml"):
        path = path[: -len("autodiscover.xml")] + "autodiscover.svc"
    elif not path.lower().endswith("/autodiscover.svc"):
        path = AUTODISCOVER_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def best_failure(failures: list[Classified]) -> Classified:
    """The topic that best explains why every method failed."""
    for topic_id in _TELLING_TOPICS:
        for failure in failures:
            if failure.topic_id == topic_id:
                return failure
    topics = {failure.topic_id for failure in failures}
    if len(topics) == 1 and failures:
        return failures[0]
    return Classified("autodiscover-failed", "no autodiscover method answered with settings")


class AutodiscoverDriver:
    """Runs autodiscover for one request; :meth:`run` returns a result or raises TopicError."""

    def __init__(
        self,
        request: ConnectRequest,
        session: requests.Session,
        recorder: StepRecorder,
        policy_scope: PolicyScope,
        confirm_redirect: ConfirmRedirect,
        credentials: CredentialScope,
    ) -> None:
        self.request = request
        self.session = session
        self.recorder = recorder
        self.policy_scope = policy_scope
        self.confirm_redirect = confirm_redirect
        self.credentials = credentials  # also what this attempt trusts so far
        self.declined: set[str] = set()
        self.hops = 0
        self.visited: set[str] = set()

    # -- the whole run ---------------------------------------------------------------------

    def run(self) -> AutodiscoverResult:
        """Autodiscover ``request.email``, following address redirects."""
        try:
            return self._run()
        except TopicError as error:
            if not any(step.name == STEP_PREFIX for step in self.recorder.steps):
                self.recorder.record(STEP_PREFIX, StepStatus.FAIL, f"stopped: {error.detail}")
            raise

    def _run(self) -> AutodiscoverResult:
        email = self.request.email
        self._trust(self._domain_of(email))
        seen_emails = {email.lower()}
        while True:
            outcome = self._discover(email)
            if isinstance(outcome, AutodiscoverResult):
                return replace(outcome, ews_url=self._check_ews_url(outcome.ews_url))
            self._count_hop(outcome.email)
            if outcome.email.lower() in seen_emails:
                self._give_up(f"redirect loop: {outcome.email} was already looked up")
            seen_emails.add(outcome.email.lower())
            domain = self._domain_of(outcome.email)
            if "." not in domain:
                # Trusting "com" would trust every host under it.
                self._give_up(f"redirected to {outcome.email!r}, which has no full domain")
            self._ensure_trusted(domain, outcome.email)
            email = outcome.email

    def _domain_of(self, email: str) -> str:
        """The checked domain of an address (a RedirectAddress can name anything)."""
        try:
            return check_host(email.rpartition("@")[2])
        except UnsafeAddressError as error:
            self._give_up(f"the address {email!r} has no valid domain: {error.reason}")

    def _check_ews_url(self, ews_url: str) -> str:
        """The EWS address gets the password next: https only, and outside the trusted
        domains only once the user agrees, as for a redirect. Returns it normalised."""
        try:
            check_url(ews_url)
            spec = normalise_server(ews_url)
        except (UnsafeAddressError, ServerTextError) as error:
            self._give_up(f"autodiscover named {ews_url!r} for EWS: {error.reason}")
        self._ensure_trusted(spec.host, spec.host)
        return spec.ews_url

    def _trust(self, host: str) -> None:
        """From now on the password may go to ``host`` and its subdomains."""
        self.credentials.allow(host)

    def _give_up(self, detail: str) -> NoReturn:
        self.recorder.record(STEP_PREFIX, StepStatus.FAIL, detail)
        raise TopicError("autodiscover-failed", detail)

    def _count_hop(self, target: str) -> None:
        self.hops += 1
        if self.hops > MAX_REDIRECTS:
            self._give_up(f"more than {MAX_REDIRECTS} redirects (last: {target})")

    def _ensure_trusted(self, host: str, shown: str) -> None:
        """Ask before credentials go outside the domains the user already trusts (once each)."""
        if self.credentials.covers(host):
            return
        declined = f"autodiscover redirected to {shown}; declined, so no password was sent there"
        if shown in self.declined:
            raise TopicError("redirect-declined", declined)
        step = self.recorder.start(f"{STEP_PREFIX}: redirect to {shown}")
        if not self.confirm_redirect(shown):
            self.declined.add(shown)
            step.finish(StepStatus.FAIL, declined)
            raise TopicError("redirect-declined", declined)
        step.finish(StepStatus.OK, f"redirect to {shown} accepted")
        self._trust(host)

    # -- one email address ------------------------------------------------------------------

    def _discover(self, email: str) -> AutodiscoverResult | _NewAddress:
        domain = self._domain_of(email)
        failures: list[Classified] = []
        for url in self._candidate_urls(domain, failures):
            outcome = self._follow_chain(url, email)
            if isinstance(outcome, _Skip):
                failures.append(outcome.failure)
                continue
            return outcome
        failure = best_failure(failures)
        self.recorder.record(STEP_PREFIX, StepStatus.FAIL, failure.detail)
        raise TopicError(failure.topic_id, failure.detail, failure.facts)

    def _candidate_urls(self, domain: str, failures: list[Classified]) -> Iterator[str]:
        yield f"https://{domain}{AUTODISCOVER_PATH}"
        yield f"https://autodiscover.{domain}{AUTODISCOVER_PATH}"
        redirected = self._http_redirect(domain, failures)
        if redirected is not None:
            yield redirected
        srv = self._srv(domain, failures)
        if srv is not None:
            yield srv

    def _follow_chain(self, url: str, email: str) -> AutodiscoverResult | _NewAddress | _Skip:
        """Try ``url`` and any RedirectUrl chain from it."""
        current = url
        while True:
            try:
                checked = check_url(current)
            except UnsafeAddressError as error:
                detail = f"not followed: {current!r} is not a safe address ({error.reason})"
                self.recorder.record(f"{STEP_PREFIX}: {current!r}", StepStatus.FAIL, detail)
                return _Skip(Classified("autodiscover-failed", detail))
            current, host = checked.url, checked.host
            try:
                self._ensure_trusted(host, host)
            except TopicError as declined:
                return _Skip(Classified(declined.topic_id, declined.detail))
            if current.lower() in self.visited:
                return _Skip(Classified("autodiscover-failed", f"already tried {current}"))
            self.visited.add(current.lower())
            outcome = self._attempt(current, email)
            if not isinstance(outcome, _Follow):
                return outcome
            self._count_hop(outcome.url)
            if not outcome.url.lower().startswith("https://"):
                return _Skip(Classified("autodiscover-failed", "redirect to plain http ignored"))
            current = soap_url_for(outcome.url)

    # -- methods 3 and 4: finding a URL ------------------------------------------------------

    def _http_redirect(self, domain: str, failures: list[Classified]) -> str | None:
        url = f"http://autodiscover.{domain}/autodiscover/autodiscover.xml"
        step = self.recorder.start(f"{STEP_PREFIX}: {url}", url=url)
        self.policy_scope.add_hosts([f"autodiscover.{domain}"])
        try:
            response = self.session.get(url, allow_redirects=False, timeout=PROBE_TIMEOUT)
        except requests.RequestException as error:
            failure = classify(error, cancelled=self.session_cancelled)
            step.finish(StepStatus.FAIL, failure.detail)
            failures.append(failure)
            return None
        location = response.headers.get("Location", "")
        response.close()
        if response.status_code in (301, 302, 303, 307, 308) and location:
            if not location.lower().startswith("https://"):
                step.finish(StepStatus.FAIL, f"redirects to {location}, not https: not followed")
                failures.append(Classified("autodiscover-failed", "redirect to plain http"))
                return None
            try:
                check_url(location)
            except UnsafeAddressError as error:
                detail = f"redirects to {location!r}, not a safe address ({error.reason})"
                step.finish(StepStatus.FAIL, f"{detail}: not followed")
                failures.append(Classified("autodiscover-failed", detail))
                return None
            step.finish(StepStatus.OK, f"redirects to {location}")
            self._count_hop(location)
            return soap_url_for(location)
        step.finish(StepStatus.FAIL, f"no redirect (HTTP {response.status_code})")
        failures.append(Classified("autodiscover-failed", "no redirect"))
        return None

    def _srv(self, domain: str, failures: list[Classified]) -> str | None:
        name = f"_autodiscover._tcp.{domain}"
        step = self.recorder.start(f"{STEP_PREFIX}: DNS SRV {name}")
        try:
            targets = lookup_srv(name, self.request.dns_server)
        except NameNotFoundError as error:
            step.finish(StepStatus.FAIL, str(error))
            failures.append(Classified("dns-not-found", str(error)))
            return None
        if not targets:
            step.finish(StepStatus.FAIL, "no SRV record")
            failures.append(Classified("autodiscover-failed", "no SRV record"))
            return None
        target = targets[0]
        try:
            host = check_host(target.host)
        except UnsafeAddressError as error:
            detail = f"points to {target.host!r}, not a safe address ({error.reason})"
            step.finish(StepStatus.FAIL, f"{detail}: not followed")
            failures.append(Classified("autodiscover-failed", detail))
            return None
        port = "" if target.port == 443 else f":{target.port}"
        step.finish(StepStatus.OK, f"points to {target.host}{port}")
        return f"https://{host}{port}{AUTODISCOVER_PATH}"

    @property
    def session_cancelled(self) -> bool:
        """True once the thread's network scope was cancelled."""
        scope = current_scope()
        return scope is not None and scope.cancelled

    # -- one URL -----------------------------------------------------------------------------

    def _post(self, url: str, body: bytes, auth: object = None) -> requests.Response:
        response = self.session.post(
            url,
            data=body,
            headers=HEADERS,
            auth=auth,  # type: ignore[arg-type]
            allow_redirects=False,
            timeout=PROBE_TIMEOUT,
        )
        response.content  # noqa: B018 - read it all so the connection can be reused (NTLM)
        return response

    def _attempt(self, url: str, email: str) -> AutodiscoverResult | _NewAddress | _Follow | _Skip:
        step = self.recorder.start(f"{STEP_PREFIX}: {url}", url=url)
        body = build_request(email, url)
        self.policy_scope.add_hosts([wire_host(url)])
        try:
            response = self._post(url, body)
            offered: tuple[str, ...] = ()
            auth_type = ""
            if response.status_code == 401:
                offered = offered_schemes(response.headers)
                try:
                    auth_type = choose_scheme(offered, self.request.auth)
                except NoUsableScheme as error:
                    detail = f"sign-in schemes offered: {', '.join(offered) or 'none'}"
                    step.finish(StepStatus.FAIL, detail)
                    if error.topic_id == "modern-auth-required":
                        raise TopicError(error.topic_id, detail) from error
                    return _Skip(Classified(error.topic_id, detail))
                auth = requests_auth(auth_type, self.request.sign_in_name, self.request.password)
                response = self._post(url, body, auth)
        except requests.RequestException as error:
            failure = classify(error, cancelled=self.session_cancelled)
            step.finish(StepStatus.FAIL, failure.detail)
            if failure.topic_id == "cancelled":
                raise TopicError("cancelled", "cancelled") from error
            return _Skip(
                Classified(failure.topic_id, failure.detail, {**failure.facts, "url": url})
            )
        return self._read_answer(step, url, response, offered, auth_type, email)

    def _read_answer(
        self,
        step: RunningStep,
        url: str,
        response: requests.Response,
        offered: tuple[str, ...],
        auth_type: str,
        email: str,
    ) -> AutodiscoverResult | _NewAddress | _Follow | _Skip:
        status = response.status_code
        if status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
            location = response.headers["Location"]
            step.finish(StepStatus.WARN, f"HTTP {status}: redirected to {location}")
            return _Follow(location)
        if status in (401, 403) and auth_type:
            rejection = read_rejection(
                status, response.headers, response.content, self.request.sign_in_name, email
            )
            step.finish(StepStatus.FAIL, rejection.detail)
            # The password is wrong everywhere: stop before sending it to more servers.
            raise TopicError(rejection.topic_id, rejection.detail)
        if status != 200:
            topic = "server-busy" if status in (429, 503) else "autodiscover-failed"
            step.finish(StepStatus.FAIL, f"HTTP {status}")
            return _Skip(Classified(topic, f"{url}: HTTP {status}"))
        try:
            answer = parse_response(response.content)
        except AutodiscoverResponseError as error:
            step.finish(StepStatus.FAIL, f"not an autodiscover answer: {error}")
            return _Skip(Classified("autodiscover-failed", str(error)))
        return self._interpret(step, url, answer, offered, auth_type, email)

    def _interpret(
        self,
        step: RunningStep,
        url: str,
        answer: UserSettingsResponse,
        offered: tuple[str, ...],
        auth_type: str,
        email: str,
    ) -> AutodiscoverResult | _NewAddress | _Follow | _Skip:
        code = answer.error_code
        if code == "RedirectAddress" and answer.redirect_target:
            step.finish(StepStatus.WARN, f"redirects to the address {answer.redirect_target}")
            return _NewAddress(answer.redirect_target)
        if code == "RedirectUrl" and answer.redirect_target:
            step.finish(StepStatus.WARN, f"redirects to {answer.redirect_target}")
            return _Follow(answer.redirect_target)
        if code == "InvalidUser":
            step.finish(StepStatus.FAIL, f"the server knows no mailbox {email}")
            raise TopicError("mailbox-not-found", f"autodiscover: no mailbox {email}")
        if code != "NoError" or not answer.ews_url:
            detail = f"{code}: {answer.error_message}" if code != "NoError" else "no EWS URL"
            step.finish(StepStatus.FAIL, detail)
            return _Skip(Classified("autodiscover-failed", detail))
        step.finish(StepStatus.OK, f"EWS at {answer.ews_url}")
        return AutodiscoverResult(
            ews_url=answer.ews_url,
            smtp_address=answer.smtp_address or email,
            server_version=answer.server_version,
            auth_type=auth_type,
            offered_schemes=offered,
            autodiscover_url=url,
        )
