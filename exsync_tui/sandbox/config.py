"""The sandbox's configuration and the endpoint information it hands to clients."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# A fixed default anchor keeps generated calendars reproducible from the seed alone.
DEFAULT_ANCHOR = "2026-11-02"


@dataclass(frozen=True)
class SandboxConfig:
    """How to start a sandbox; every field has the same meaning as the `exsync sandbox` flag."""

    host: str = "127.0.0.1"
    port: int = 0
    tls: bool = True
    domain: str = "example.com"
    users: int = 3
    messages: int = 20
    events: int = 10
    seed: int = 1
    latency_ms: int = 0
    faults: str = ""
    state_dir: str | None = None
    http_port: int = 0
    dns_port: int = 0
    anchor: str = DEFAULT_ANCHOR  # the Monday the generated calendars are built around
    # Folder names Exchange allows but naive clients choke on ("..", "/", very long, control
    # characters); off for clients such as mbsync that refuse them.
    hostile_names: bool = True
    # More mail folders under Archive ("Folder 01"...), for benchmarks of many folders.
    extra_folders: int = 0


@dataclass(frozen=True)
class SandboxUser:
    """One mailbox the sandbox hosts, with the credentials that open it."""

    email: str
    username: str
    password: str = field(repr=False)

    def to_dict(self) -> dict[str, str]:
        """The user as the JSON object `exsync sandbox --json` prints."""
        return {"email": self.email, "username": self.username, "password": self.password}


@dataclass(frozen=True)
class SandboxInfo:
    """Where a running sandbox listens and who may sign in to it."""

    host: str
    port: int
    http_port: int
    dns_port: int
    tls: bool
    domain: str
    ca_file: str | None
    users: list[SandboxUser]

    @property
    def base_url(self) -> str:
        """The main (EWS and Autodiscover) listener's base URL."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{_url_host(self.host)}:{self.port}"

    @property
    def ews_url(self) -> str:
        """The EWS endpoint."""
        return f"{self.base_url}/EWS/Exchange.asmx"

    @property
    def autodiscover_url(self) -> str:
        """The Autodiscover SOAP endpoint."""
        return f"{self.base_url}/autodiscover/autodiscover.svc"

    @property
    def authority_url(self) -> str:
        """The OAuth authority (tenant ``organizations``), as msal's ``authority=`` takes it."""
        return f"{self.base_url}/organizations"

    @property
    def graph_url(self) -> str:
        """The Microsoft Graph base URL (requests go to ``{graph_url}/v1.0/...``)."""
        return self.base_url

    @property
    def http_url(self) -> str:
        """The plain-HTTP listener (unauthenticated autodiscover redirect and the control API)."""
        return f"http://{_url_host(self.host)}:{self.http_port}"

    @property
    def control_url(self) -> str:
        """The base URL of the HTTP control API."""
        return f"{self.http_url}/control"

    @property
    def dns_server(self) -> str:
        """`host:port` of the UDP DNS responder."""
        return f"{self.host}:{self.dns_port}"

    def to_dict(self) -> dict[str, Any]:
        """Everything a client needs, as plain data."""
        return {
            "ews_url": self.ews_url,
            "autodiscover_url": self.autodiscover_url,
            "authority_url": self.authority_url,
            "graph_url": self.graph_url,
            "control_url": self.control_url,
            "http_url": self.http_url,
            "dns_server": self.dns_server,
            "ca_file": self.ca_file,
            "domain": self.domain,
            "users": [user.to_dict() for user in self.users],
        }

    def to_json(self) -> str:
        """The one-line JSON object `exsync sandbox --json` prints."""
        return json.dumps(self.to_dict(), separators=(",", ":"))


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
