"""How long what people typed is kept: search logs, article views and wizard runs older
than the retention period are deleted by ``flask kb prune`` (run it daily from cron or a timer)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Delete, delete, select
from sqlalchemy.engine import CursorResult

from kb.extensions import db
from kb.models import ArticleView, SearchLog, WizardEvent, WizardRun, utcnow


def prune_logs(days: int) -> dict[str, int]:
    """Delete logs older than ``days``; returns how many of each were deleted."""
    before = utcnow() - timedelta(days=days)
    old_runs = select(WizardRun.id).where(WizardRun.updated_at < before)
    counts = {
        "searches": _deleted(delete(SearchLog).where(SearchLog.created_at < before)),
        "article views": _deleted(delete(ArticleView).where(ArticleView.created_at < before)),
        "wizard events": _deleted(delete(WizardEvent).where(
            (WizardEvent.created_at < before) | WizardEvent.run_id.in_(old_runs))),
        "wizard runs": _deleted(delete(WizardRun).where(WizardRun.updated_at < before)),
    }
    db.session.commit()
    return counts


def _deleted(statement: Delete) -> int:
    result = cast(CursorResult[Any], db.session.execute(statement))
    return int(result.rowcount or 0)
