"""The connection doctor and the help topics.

Public API::

    from exsync_tui.core.diagnose import diagnose, HELP_TOPICS, topic_by_id, render_report

``diagnose`` and ``render_report`` load on first use: the connect package uses
this package's topics and classification, and the doctor uses connect, so the
doctor must not load while connect is still loading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exsync_tui.core.diagnose.personal import for_profile, personalised
from exsync_tui.core.diagnose.topics import HELP_TOPICS, topic_by_id

if TYPE_CHECKING:
    from exsync_tui.core.diagnose.doctor import diagnose
    from exsync_tui.core.diagnose.report import render_report, report_json

__all__ = [
    "HELP_TOPICS",
    "diagnose",
    "for_profile",
    "personalised",
    "render_report",
    "report_json",
    "topic_by_id",
]


def __getattr__(name: str) -> Any:
    if name == "diagnose":
        from exsync_tui.core.diagnose.doctor import diagnose

        return diagnose
    if name in ("render_report", "report_json"):
        from exsync_tui.core.diagnose import report

        return getattr(report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
