"""A local Exchange server (EWS, Autodiscover, DNS) for the demo, the tests and the benchmarks.

with Sandbox(SandboxConfig(users=2)) as sandbox:
    sandbox.info.ews_url, sandbox.info.ca_file, sandbox.info.users
    sandbox.control.add_message("alice@example.com", subject="Hi")
"""

from exsync_tui.sandbox.config import SandboxConfig, SandboxInfo, SandboxUser
from exsync_tui.sandbox.server import Sandbox

__all__ = ["Sandbox", "SandboxConfig", "SandboxInfo", "SandboxUser"]
