"""The audit report as one self-contained HTML page (``archive audit --html FILE``) or a viewer page.

Same look as the other pages (``archive.present.html``); the templates escape
every value from the store, since titles, identities and commit messages are
whatever was written into it.
"""

from __future__ import annotations

from typing import Any

from archive.audit.report import ANOMALIES, Audit
from archive.audit.verify import CHECKS
from archive.present.html import render

__all__ = ["audit_page"]


def audit_page(result: Audit, template: str = "audit.html", **context: Any) -> str:
    """The audit rendered by ``template``: the standalone page, or a variant of it such as the viewer's."""
    return render(template, audit=result, checks=CHECKS, anomalies=ANOMALIES, **context)
