"""The outbox: what we mean to email is saved with the change it is about, and sent later.

A request never talks to the mail server. ``queue_email`` adds an ``OutboxEmail`` row and
flushes; when that transaction commits, the row ids go to the job queue (``kb.core.worker``).
The worker claims a row with a conditional UPDATE before sending, so however often a row is
enqueued (a retry, the sweeper, two workers) it is sent once. A row whose task was lost (the
queue was down when we enqueued, the worker died) is picked up again by ``sweep``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr
from typing import Any, cast

from flask import current_app
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from kb.extensions import db
from kb.models import OutboxEmail, utcnow
from kb.states import EmailState

log = logging.getLogger(__name__)

STATES = tuple(EmailState)
STATE_WORDS = {EmailState.QUEUED: "Waiting to be sent", EmailState.SENDING: "Being sent now",
               EmailState.SENT: "Sent", EmailState.FAILED: "Not sent: we gave up"}
_PENDING = "kb_outbox_pending"  # session.info key: ids to enqueue once the commit succeeds


class DeliveryFailed(Exception):
    """Raised from the worker's task so huey retries it after its back-off delay."""


def queue_email(*, to: str, subject: str, text: str, html: str | None = None,
                template: str = "", ticket_id: int | None = None,
                reply_to: str | None = None) -> OutboxEmail:
    """Add one email to the outbox (flushed, not committed: the caller's commit sends it).
    ``reply_to`` is where an answer should go (a ticket's signed reply address)."""
    now = utcnow()
    row = OutboxEmail(
        to_addr=to.strip(), subject=" ".join(subject.split())[:300],  # no header forging
        body_text=text, body_html=html, template=template, ticket_id=ticket_id,
        reply_to=" ".join(reply_to.split())[:300] if reply_to else None,
        message_id=make_msgid(idstring="kb", domain=_mail_domain()),
        state=EmailState.QUEUED, attempts=0, next_attempt_at=now, created_at=now, updated_at=now)
    db.session.add(row)
    db.session.flush()
    _mark_pending(db.session(), [row.id])
    return row


def _mail_domain() -> str:
    sender = str(current_app.config.get("MAIL_DEFAULT_SENDER") or "")
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def _mark_pending(session: Session, ids: list[int]) -> None:
    session.info.setdefault(_PENDING, []).extend(ids)


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    """Only committed rows are enqueued: a worker never looks for a row that is not there."""
    ids = session.info.pop(_PENDING, None)
    if ids:
        from kb.core.worker import enqueue

        enqueue(ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


# ---------------------------------------------------------------- the worker's side
def _claim(outbox_id: int, now: datetime) -> OutboxEmail | None:
    """Take the row for this worker; None when it is sent, failed or another worker has it."""
    lease = timedelta(seconds=float(current_app.config["MAIL_LEASE_SECONDS"]))
    result = cast(CursorResult[Any], db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == outbox_id,
               or_(OutboxEmail.state == EmailState.QUEUED,
                   and_(OutboxEmail.state == EmailState.SENDING, OutboxEmail.locked_until < now)))
        .values(state=EmailState.SENDING, locked_until=now + lease, updated_at=now)
        .execution_options(synchronize_session=False)))
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.get(OutboxEmail, outbox_id, populate_existing=True)


def deliver(outbox_id: int, *, last_try: bool = False, retry_in: float = 0) -> str:
    """Send one outbox row and record the outcome: "sent", "failed" or "skipped".

    A failure that has tries left is recorded (attempts, last error, when the next try is
    due), then raised as DeliveryFailed so the queue retries after its back-off.
    """
    row = _claim(outbox_id, utcnow())
    if row is None:
        return "skipped"
    try:
        message = EmailMultiAlternatives(subject=row.subject, body=row.body_text,
                                         to=[row.to_addr], headers={"Message-ID": row.message_id},
                                         reply_to=[row.reply_to] if row.reply_to else None)
        if row.body_html:
            message.attach_alternative(row.body_html, "text/html")
        message.send()
    except Exception as exc:
        now = utcnow()
        row.attempts += 1
        row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        row.locked_until = None
        row.updated_at = now
        max_attempts = int(current_app.config["MAIL_RETRIES"]) + 1
        if last_try or row.attempts >= max_attempts:
            row.state = EmailState.FAILED
            db.session.commit()
            log.error("gave up on email %s to %s after %s tries: %s", row.id, row.to_addr,
                      row.attempts, row.last_error)
            return "failed"
        row.state = EmailState.QUEUED
        row.next_attempt_at = now + timedelta(seconds=retry_in)
        db.session.commit()
        log.warning("email %s to %s not sent (try %s), next try in %.0f s: %s", row.id,
                    row.to_addr, row.attempts, retry_in, row.last_error)
        raise DeliveryFailed(f"email {row.id}: {row.last_error}") from exc
    now = utcnow()
    row.attempts += 1
    row.state = EmailState.SENT
    row.sent_at = now
    row.locked_until = None
    row.updated_at = now
    db.session.commit()
    return "sent"


def sweep(now: datetime | None = None) -> int:
    """Enqueue again what should have been sent by now; how many rows that was.

    A queued row whose next try is more than MAIL_SWEEP_GRACE seconds overdue lost its task;
    a "sending" row past its lease lost its worker. Both go back to the queue. The UPDATEs
    are conditional, so a row a worker claims meanwhile is left alone.
    """
    now = now or utcnow()
    overdue = now - timedelta(seconds=float(current_app.config["MAIL_SWEEP_GRACE"]))
    ids = list(db.session.scalars(
        select(OutboxEmail.id).where(or_(
            and_(OutboxEmail.state == EmailState.QUEUED, OutboxEmail.next_attempt_at < overdue),
            and_(OutboxEmail.state == EmailState.SENDING, OutboxEmail.locked_until < now)))
        .order_by(OutboxEmail.id).limit(5000)))
    if not ids:
        return 0
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(ids),
               or_(OutboxEmail.state == EmailState.QUEUED,
                   and_(OutboxEmail.state == EmailState.SENDING, OutboxEmail.locked_until < now)))
        .values(state=EmailState.QUEUED, locked_until=None, next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    _mark_pending(db.session(), ids)
    db.session.commit()
    log.info("re-enqueued %s overdue emails", len(ids))
    return len(ids)


# ---------------------------------------------------------------- reading
def outbox_backlog(minutes: float = 10, now: datetime | None = None) -> int:
    """Emails not yet sent (queued or sending) that were queued over ``minutes`` ago: for
    /readyz, where a growing number means the worker or the mail server is down."""
    since = (now or utcnow()) - timedelta(minutes=minutes)
    return int(db.session.scalar(
        select(func.count()).select_from(OutboxEmail)
        .where(OutboxEmail.state.in_((EmailState.QUEUED, EmailState.SENDING)),
               OutboxEmail.created_at < since))
        or 0)


def emails_for(ticket_id: int) -> list[OutboxEmail]:
    """Every email about a ticket, oldest first, for the agent's ticket page."""
    return list(db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.ticket_id == ticket_id).order_by(OutboxEmail.id)))


def latest_email(ticket_id: int, template: str) -> OutboxEmail | None:
    return db.session.scalar(
        select(OutboxEmail).where(OutboxEmail.ticket_id == ticket_id,
                                  OutboxEmail.template == template)
        .order_by(OutboxEmail.id.desc()).limit(1))


def recently_emailed(ticket_id: int, within: timedelta = timedelta(hours=1)) -> bool:
    """Anything queued for this ticket lately: an address a stranger typed gets at most one
    email an hour from us, however often the form is posted."""
    since = utcnow() - within
    return bool(db.session.scalar(
        select(func.count()).select_from(OutboxEmail)
        .where(OutboxEmail.ticket_id == ticket_id, OutboxEmail.created_at >= since)))


def recently_sent(address: str, template: str, within: timedelta = timedelta(hours=1)) -> bool:
    """An email of this kind went to this address lately: forms anyone can fill in send an
    address at most one of each an hour, whoever types it."""
    since = utcnow() - within
    return bool(db.session.scalar(
        select(func.count()).select_from(OutboxEmail)
        .where(func.lower(OutboxEmail.to_addr) == address.strip().lower(),
               OutboxEmail.template == template, OutboxEmail.created_at >= since)))


def recently_confirmed(address: str) -> bool:
    """A confirmation went to this address in the last hour (unverified: one an hour)."""
    return recently_sent(address, "ticket_created")
