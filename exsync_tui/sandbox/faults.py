"""Fault injection: what to break, how often, and for which EWS operation.

SPEC is a list of rules separated by `;` or `,`. Each rule is

    KIND[:ARG][*COUNT | @RATE][/OPERATION][~MAILBOX]

KIND is one of `500`, `503`, `busy` (ErrorServerBusy; ARG = BackOffMilliseconds, default
1000), `drop` (close the connection without answering), `hang` (never answer until the sandbox
stops or the faults are cleared), `truncate` (cut the response body in half), `invalid_sync_state`
(ErrorInvalidSyncStateData; only hits SyncFolderItems/SyncFolderHierarchy and Graph delta requests,
answered there 410 `SyncStateNotFound`), `resync_required` (Graph: 410 `resyncRequired`) and
`bad_delta_token` (Graph: 400 `badRequest`, an invalid token; both like `invalid_sync_state` for
EWS), `password_expired`
(HTTP 401 telling the password has expired), for Graph `429` (throttled; ARG = the Retry-After
seconds, none without ARG; EWS answers it as `busy`), and `pass`, which lets matching requests
through untouched, so `pass*3/GetItem;busy*1/GetItem` breaks the fourth. `*COUNT` hits the next
COUNT matching requests (the default is `*1`); `@RATE` hits that fraction of them (0 < RATE <= 1,
seeded). `/OPERATION` limits the rule to one SOAP operation, e.g. `busy:2000*2/GetItem`, or one
Graph request kind (`GraphMe`, `GraphFolders`, `GraphDelta`, `GraphValue`, `GraphCalendars`,
`GraphEvents`); `~MAILBOX` to the requests of one mailbox (its address, or the part before the
@), e.g. `busy:60000*1/GetItem~dave`.

Examples: `503*3`, `busy@0.1`, `drop*1/SyncFolderItems`, `hang*1;500@0.05`.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass

FAULT_KINDS = (
    "500",
    "503",
    "busy",
    "drop",
    "hang",
    "truncate",
    "invalid_sync_state",
    "resync_required",
    "bad_delta_token",
    "password_expired",
    "429",
    "pass",
)
SYNC_STATE_KINDS = ("invalid_sync_state", "resync_required", "bad_delta_token")
SYNC_OPERATIONS = ("SyncFolderItems", "SyncFolderHierarchy", "GraphDelta")
_RULE = re.compile(
    r"^(?P<kind>[a-z_0-9]+)(?::(?P<arg>\d+))?(?:\*(?P<count>\d+)|@(?P<rate>[0-9.]+))?"
    r"(?:/(?P<operation>[A-Za-z]+))?(?:~(?P<mailbox>[A-Za-z0-9._@+-]+))?$"
)


class FaultSpecError(ValueError):
    """A SPEC that does not follow the syntax."""


@dataclass
class FaultRule:
    """One parsed rule; `remaining` counts down for `*COUNT` rules, None for rate rules."""

    kind: str
    arg: int | None
    remaining: int | None
    rate: float | None
    operation: str | None
    mailbox: str | None = None

    def matches(self, operation: str, mailbox: str = "") -> bool:
        """Whether this rule applies to a request for `operation` by `mailbox` (an address)."""
        if self.operation is not None and self.operation.lower() != operation.lower():
            return False
        if self.mailbox is not None:
            wanted = self.mailbox.lower()
            if wanted not in (mailbox.lower(), mailbox.lower().split("@")[0]):
                return False
        return not (self.kind in SYNC_STATE_KINDS and operation not in SYNC_OPERATIONS)


def parse_faults(spec: str) -> list[FaultRule]:
    """Parse SPEC (see the module docstring); raises FaultSpecError on bad input."""
    rules = []
    for raw in re.split(r"[;,]", spec):
        raw = raw.strip()
        if not raw:
            continue
        found = _RULE.match(raw)
        if found is None or found["kind"] not in FAULT_KINDS:
            raise FaultSpecError(f"bad fault rule {raw!r}; kinds: {', '.join(FAULT_KINDS)}")
        rate = float(found["rate"]) if found["rate"] else None
        if rate is not None and not 0 < rate <= 1:
            raise FaultSpecError(f"rate must be in (0, 1] in {raw!r}")
        count = int(found["count"]) if found["count"] else (None if rate else 1)
        arg = int(found["arg"]) if found["arg"] else None
        rules.append(
            FaultRule(found["kind"], arg, count, rate, found["operation"], found["mailbox"])
        )
    return rules


class FaultInjector:
    """The active rules, consulted once per EWS request (thread-safe)."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._random = random.Random(seed)
        self._hung: set[threading.Event] = set()
        self._stopped = False

    def add(self, spec: str) -> None:
        """Add the rules of SPEC to the active ones."""
        rules = parse_faults(spec)
        with self._lock:
            self._rules.extend(rules)

    def clear(self) -> None:
        """Remove every rule and release hung requests."""
        with self._lock:
            self._rules.clear()
            hung, self._hung = self._hung, set()
        for event in hung:
            event.set()

    def stop(self) -> None:
        """Release every hung request now and any later one at once (the sandbox is stopping)."""
        with self._lock:
            self._stopped = True
        self.clear()

    def hang(self) -> threading.Event:
        """An event a hung request waits on; set by `clear()` or `stop()`."""
        event = threading.Event()
        with self._lock:
            if self._stopped:
                event.set()
            else:
                self._hung.add(event)
        return event

    def active(self) -> list[str]:
        """Readable list of the active rules."""
        with self._lock:
            return [repr(rule) for rule in self._rules]

    def pick(
        self, operation: str, mailbox: str = "", *, named_only: bool = False
    ) -> FaultRule | None:
        """The rule that hits this request of `mailbox`, if any (consuming one count);
        ``named_only``: only a rule that names ``operation`` (a request inside a Graph
        ``$batch``)."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(operation, mailbox) or (named_only and rule.operation is None):
                    continue
                if rule.remaining is not None:
                    if rule.remaining <= 0:
                        continue
                    rule.remaining -= 1
                    return rule
                if rule.rate is not None and self._random.random() < rule.rate:
                    return rule
            self._rules = [r for r in self._rules if r.remaining is None or r.remaining > 0]
        return None
