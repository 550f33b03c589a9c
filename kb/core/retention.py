"""How long what people typed is kept: search logs, article views and wizard runs older
than the retention period are deleted by ``flask kb prune`` (run it daily from cron or a timer),
and so are copies of emails: inbound ones an agent has dealt with (their text lives on as the
ticket's comment) and outbox ones already sent or given up on. Held inbound emails stay until
an agent decides, and tickets are kept: closing the record is the organisation's call."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Delete, delete, select
from sqlalchemy.engine import CursorResult

from kb.extensions import db
from kb.models import (
    ArticleView,
    InboundMessage,
    OutboxEmail,
    SearchLog,
    WizardEvent,
    WizardRun,
    utcnow,
)
from kb.states import EmailState, InboundState


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
        "inbound emails": _deleted(delete(InboundMessage).where(
            (InboundMessage.received_at < before)
            & (InboundMessage.state != InboundState.HELD))),
        "sent emails": _deleted(delete(OutboxEmail).where(
            (OutboxEmail.created_at < before)
            & OutboxEmail.state.in_([EmailState.SENT, EmailState.FAILED]))),
    }
    db.session.commit()
    return counts


def _deleted(statement: Delete) -> int:
    result = cast(CursorResult[Any], db.session.execute(statement))
    return int(result.rowcount or 0)
