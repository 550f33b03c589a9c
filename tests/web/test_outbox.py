"""Mail through the outbox: requests only queue, a real huey worker sends, a mail server
that is slow or down never costs a request anything, and every email arrives once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from kb.config import ROOT
from kb.core.mail import deliver, outbox_backlog, queue_email, sweep
from kb.core.worker import enqueue, init_queue
from kb.extensions import db
from kb.models import Outage, OutboxEmail, Ticket, utcnow

from .agent_helpers import get_ticket, login, make_agent, make_ticket, post, token_from
from .outbox_helpers import (
    GatedInbox,
    outbox,
    port_in_range,
    run_queued_tasks,
    running_worker,
    smtp_on,
    states,
    wait_until,
)
from .tickets_helpers import sent_url, status_token, ticket_data

REDIS_URL = os.environ.get("KB_TEST_QUEUE_REDIS_URL", "redis://127.0.0.1:6379/5")


# Real workers, SMTP servers on fixed ports and signal handlers: one xdist process runs them all.
pytestmark = pytest.mark.xdist_group("outbox")


def queued_app(app_factory: Any, port: int, **overrides: Any) -> Flask:
    """An app whose emails really go through the queue (not run inside the request)."""
    overrides.setdefault("MAIL_RETRY_DELAY", 1)
    overrides.setdefault("MAIL_RETRY_BACKOFF", 1.0)
    overrides.setdefault("MAIL_RETRIES", 100)
    app: Flask = app_factory(QUEUE_IMMEDIATE=False, MAIL_PORT=port, **overrides)
    return app


def ask(app: Flask, **fields: Any) -> str:
    """Send the ticket form as a browser would; the new ticket's status token."""
    client = app.test_client()
    response = client.post("/ask", data=ticket_data(client, **fields))
    assert response.status_code == 302, response.get_data(as_text=True)
    return status_token(app, response.headers["Location"])


def message_ids(inbox: Any) -> list[str]:
    return sorted(m["Message-ID"] for m in inbox.messages)


# ---------------------------------------------------------------- a real worker
def test_slow_mail_server_does_not_hold_up_a_ticket_post(app_factory: Any) -> None:
    port = port_in_range()
    inbox = GatedInbox(open_gate=False)  # every message waits until we release it
    with smtp_on(port, inbox):
        app = queued_app(app_factory, port)
        with running_worker(app):
            first = ask(app, summary="Printer offline")
            wait_until(inbox.entered.is_set, "the worker is talking to the mail server")
            # The worker is stuck inside an SMTP conversation; a new ticket still goes in.
            second = ask(app, summary="Monitor flickers", email="kim@example.org")
            assert states(app)[0] == "sending" and "sent" not in states(app)
            assert inbox.messages == []
            page = app.test_client().get(sent_url(app, second)).get_data(as_text=True)
            assert "We are sending a confirmation email to" in page
            inbox.release()
            wait_until(lambda: states(app) == ["sent", "sent"], "both emails sent")
    assert sorted(m["To"] for m in inbox.messages) == ["kim@example.org", "sam@example.org"]
    assert first != second
    page = app.test_client().get(sent_url(app, first)).get_data(as_text=True)
    assert "We have sent a confirmation email to" in page


def test_mail_server_down_then_up_every_email_arrives_once(app_factory: Any) -> None:
    port = port_in_range()  # nothing listens there yet: the mail server is down
    app = queued_app(app_factory, port)
    make_agent(app)
    agent = app.test_client()
    login(agent, follow=True)
    inbox = GatedInbox()
    with running_worker(app):
        tokens = [ask(app, summary=f"Problem {n}", email=f"user{n}@example.org")
                  for n in range(3)]
        ticket_id = make_ticket(app, email="pat@example.org")
        page = f"/agent/tickets/{ticket_id}"
        assert post(agent, page, f"{page}/message", kind="reply",
                    message="Please restart it.").status_code == 302
        wait_until(lambda: all(r.attempts >= 2 and r.state == "queued" for r in outbox(app)),
                   "every email tried twice while the server is down")
        assert "Connection refused" in (outbox(app)[0].last_error or "")
        sent_page = app.test_client().get(sent_url(app, tokens[0])).get_data(as_text=True)
        assert "We will keep trying" in sent_page
        with smtp_on(port, inbox):
            wait_until(lambda: states(app) == ["sent"] * 4, "every email sent once it is up")
            # Enqueue every row again, and sweep: nothing already sent goes out twice.
            with app.app_context():
                enqueue([row.id for row in outbox(app)])
                assert sweep(utcnow() + timedelta(hours=1)) == 0
            huey = app.extensions["kb_queue"].huey
            wait_until(lambda: huey.pending_count() == 0, "the extra tasks ran")
    rows = outbox(app)
    assert message_ids(inbox) == sorted(r.message_id for r in rows)  # each exactly once
    assert sorted(m["To"] for m in inbox.messages) == [
        "pat@example.org", "user0@example.org", "user1@example.org", "user2@example.org"]
    assert all(r.sent_at is not None and r.attempts >= 3 for r in rows)


# ---------------------------------------------------------------- sweeper and claims
def test_lost_task_is_swept_and_sent_once(app_factory: Any, inbox: Any,
                                          smtp_server: Any) -> None:
    app = queued_app(app_factory, smtp_server[0])
    ask(app)
    huey = app.extensions["kb_queue"].huey
    assert huey.pending_count() == 1 and states(app) == ["queued"]
    huey.flush()  # the enqueued task is lost (queue wiped, worker's disk gone…)
    with app.app_context():
        assert sweep() == 0  # not overdue yet: its task may simply not have run
        assert outbox_backlog(minutes=5) == 0
        later = utcnow() + timedelta(minutes=10)
        assert outbox_backlog(minutes=5, now=later) == 1
        assert sweep(later) == 1
    assert run_queued_tasks(app) == 1
    assert states(app) == ["sent"] and len(inbox.messages) == 1
    with app.app_context():
        assert sweep(utcnow() + timedelta(days=1)) == 0
        assert outbox_backlog(minutes=0, now=utcnow() + timedelta(days=1)) == 0
        assert deliver(outbox(app)[0].id) == "skipped"  # a late duplicate task
    assert len(inbox.messages) == 1


def test_claimed_email_is_left_to_its_worker_until_the_lease_ends(
        app_factory: Any, inbox: Any, smtp_server: Any) -> None:
    app = queued_app(app_factory, smtp_server[0])
    ask(app)
    app.extensions["kb_queue"].huey.flush()
    with app.app_context():
        row = db.session.scalars(select(OutboxEmail)).one()
        row.state, row.locked_until = "sending", utcnow() + timedelta(minutes=5)
        db.session.commit()
        row_id = row.id
        assert deliver(row_id) == "skipped"  # another worker holds it
        assert sweep(utcnow() + timedelta(minutes=1)) == 0
        assert sweep(utcnow() + timedelta(minutes=6)) == 1  # that worker died: take it back
    assert run_queued_tasks(app) == 1
    assert states(app) == ["sent"] and len(inbox.messages) == 1


def test_retries_used_up_mark_failed_and_agents_see_why(app_factory: Any) -> None:
    app = queued_app(app_factory, 1, MAIL_RETRIES=2, MAIL_RETRY_DELAY=0)  # nothing on port 1
    make_agent(app)
    token = ask(app)
    assert run_queued_tasks(app) == 3  # the first try and two retries
    row = outbox(app)[0]
    assert row.state == "failed" and row.attempts == 3
    assert "Connection refused" in (row.last_error or "")
    with app.app_context():
        assert sweep(utcnow() + timedelta(days=1)) == 0  # failed is final: not retried
        ticket_id = db.session.scalars(select(Ticket.id)).one()
    agent = app.test_client()
    login(agent, follow=True)
    html = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Emails to the user" in html and "We have your request" in html
    assert "Not sent: we gave up" in html and "3 tries" in html
    assert "Last error: ConnectionRefusedError" in html
    page = app.test_client().get(sent_url(app, token)).get_data(as_text=True)
    assert "We could not send you an email just now" in page


def test_agent_sees_queued_then_sent(app_factory: Any, smtp_server: Any, inbox: Any) -> None:
    app = queued_app(app_factory, smtp_server[0])
    make_agent(app)
    ticket_id = make_ticket(app)
    agent = app.test_client()
    login(agent, follow=True)
    page = f"/agent/tickets/{ticket_id}"
    response = post(agent, page, f"{page}/message", kind="reply", message="Try the green one.")
    assert response.status_code == 302
    html = agent.get(page).get_data(as_text=True)
    assert "A reply about your request" in html and "Waiting to be sent" in html
    assert inbox.messages == []  # the request only queued it
    run_queued_tasks(app)
    html = agent.get(page).get_data(as_text=True)
    assert "Waiting to be sent" not in html and '<strong class="email-state">Sent</strong>' in html
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "sam@example.org"


# ---------------------------------------------------------------- transactions and bulk
def test_only_committed_emails_are_enqueued(app_factory: Any) -> None:
    app = queued_app(app_factory, 1)
    huey = app.extensions["kb_queue"].huey
    with app.app_context():
        queue_email(to="a@example.org", subject="Never sent", text="x")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
        queue_email(to="b@example.org", subject="Sent\r\nBcc: evil@example.org", text="y")
        assert huey.pending_count() == 0  # flushed, not committed: nothing for a worker yet
        db.session.commit()
        assert huey.pending_count() == 1
        assert db.session.scalars(select(OutboxEmail.subject)).one() == \
            "Sent Bcc: evil@example.org"


def test_resolving_an_outage_queues_one_email_per_person(app_factory: Any, smtp_server: Any,
                                                          inbox: Any) -> None:
    app = queued_app(app_factory, smtp_server[0])
    with app.app_context():
        outage = Outage(title="Printers down", message="Use floor 3.", keywords="printer")
        db.session.add(outage)
        db.session.commit()
        outage_id = outage.id
    user = app.test_client()
    url = f"/status/outages/{outage_id}/join"
    people = [f"person{n}@example.org" for n in range(5)]
    for email in people:
        html = user.get(url).get_data(as_text=True)
        assert user.post(url, data={"csrf_token": token_from(html), "name": "P",
                                    "email": email}).status_code == 302
    run_queued_tasks(app)
    inbox.messages.clear()
    make_agent(app, "lee@example.org", "lead", "Lee Lead")
    lead = app.test_client()
    login(lead, "lee@example.org")
    page = f"/agent/outages/{outage_id}"
    post(lead, page, f"{page}/resolve", resolution="A switch was replaced.")
    huey = app.extensions["kb_queue"].huey
    assert huey.pending_count() == 1  # one fan-out task, not five writes in the request
    assert inbox.messages == []
    assert run_queued_tasks(app) == 6  # the fan-out, then one task per email
    assert sorted(m["To"] for m in inbox.messages) == people
    with app.app_context():
        fixed = db.session.scalars(select(OutboxEmail).where(
            OutboxEmail.template == "agent_resolved")).all()
        assert len(fixed) == 5 and {r.state for r in fixed} == {"sent"}
        assert len({r.ticket_id for r in fixed}) == 5


def test_send_updates_queues_and_the_worker_sends(app_factory: Any, smtp_server: Any,
                                                  inbox: Any) -> None:
    app = queued_app(app_factory, smtp_server[0])
    old = utcnow() - timedelta(days=2)
    for n in range(3):
        make_ticket(app, email=f"u{n}@example.org", last_touched_at=old)
    result = app.test_cli_runner().invoke(args=["kb", "send-updates"])
    assert "Queued 3" in result.output and inbox.messages == []
    assert states(app) == ["queued"] * 3
    run_queued_tasks(app)
    assert sorted(m["To"] for m in inbox.messages) == [f"u{n}@example.org" for n in range(3)]


# ---------------------------------------------------------------- Redis
def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.mark.skipif(not _redis_up(), reason=f"no Redis at {REDIS_URL}")
def test_redis_queue_when_kb_redis_url_is_set(app_factory: Any, smtp_server: Any,
                                              inbox: Any) -> None:
    app = queued_app(app_factory, smtp_server[0], REDIS_URL=REDIS_URL,
                     QUEUE_NAME=f"kb-test-{uuid.uuid4().hex[:8]}")
    huey = app.extensions["kb_queue"].huey
    assert type(huey).__name__ == "RedisHuey"
    try:
        with running_worker(app):
            ask(app)
            wait_until(lambda: states(app) == ["sent"], "sent through the Redis queue")
        assert len(inbox.messages) == 1
    finally:
        huey.flush()


# ---------------------------------------------------------------- flask kb worker
def test_flask_kb_worker_sends_what_the_web_process_queued(app_factory: Any, smtp_server: Any,
                                                           inbox: Any) -> None:
    """The command `make run` starts beside the web process, run as its own process."""
    app = queued_app(app_factory, smtp_server[0])
    ask(app)
    ask(app, email="kim@example.org")
    cfg = app.config
    env = {**os.environ, "FLASK_APP": "kb:create_app", "KB_INSTANCE_PATH": app.instance_path,
           "KB_DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"], "KB_SECRET_KEY": "test",
           "KB_MAIL_SERVER": "127.0.0.1", "KB_MAIL_PORT": str(smtp_server[0]),
           "KB_INDEX_DIR": cfg["INDEX_DIR"], "KB_INDEX_ON_START": "false"}
    env.pop("KB_REDIS_URL", None)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "kb", "worker", "--threads", "1"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: states(app) == ["sent", "sent"] or worker.poll() is not None,
                   "the worker process sent both emails")
        assert worker.poll() is None, worker.communicate()[0]
    finally:
        worker.send_signal(signal.SIGINT)  # Ctrl+C: finish the current email, then stop
        output = worker.communicate(timeout=60)[0]
    assert worker.returncode == 0, output
    assert "Worker started" in output
    assert sorted(m["To"] for m in inbox.messages) == ["kim@example.org", "sam@example.org"]


def test_unreachable_redis_queue_loses_no_ticket_and_no_email(app_factory: Any,
                                                              smtp_server: Any,
                                                              inbox: Any) -> None:
    port = port_in_range()  # nothing listens: the Redis server is down
    app = queued_app(app_factory, smtp_server[0], REDIS_URL=f"redis://127.0.0.1:{port}/5")
    token = ask(app)  # the ticket is saved and acknowledged; the enqueue failed, logged
    assert states(app) == ["queued"]
    page = app.test_client().get(sent_url(app, token))
    assert page.status_code == 200
    # Redis is back (here: the app is pointed at the SQLite queue); the sweeper catches up.
    app.config["REDIS_URL"] = ""
    init_queue(app)
    with app.app_context():
        assert sweep(utcnow() + timedelta(minutes=10)) == 1
    run_queued_tasks(app)
    assert states(app) == ["sent"] and len(inbox.messages) == 1


def test_two_workers_racing_send_each_email_once(app_factory: Any, smtp_server: Any,
                                                 inbox: Any) -> None:
    """Two worker processes (here two apps on one database and one queue) given every task
    three times: the claim lets exactly one of them send each email."""
    first = queued_app(app_factory, smtp_server[0])
    second = queued_app(app_factory, smtp_server[0])  # same instance folder: same queue file
    with first.app_context():
        ids = [queue_email(to=f"u{n}@example.org", subject=f"Update {n}", text="x").id
               for n in range(12)]
        db.session.commit()
        first.extensions["kb_queue"].huey.flush()
        for _ in range(3):
            enqueue(ids)
    with running_worker(first, workers=3), running_worker(second, workers=3):
        wait_until(lambda: states(first) == ["sent"] * 12, "all sent")
        huey = first.extensions["kb_queue"].huey
        wait_until(lambda: huey.pending_count() == 0, "every duplicate task ran")
    assert len(inbox.messages) == 12
    assert message_ids(inbox) == sorted(r.message_id for r in outbox(first))


def test_sent_page_claims_nothing_without_an_email_on_record(app: Flask) -> None:
    ticket = get_ticket(app, make_ticket(app))  # as tickets from before the outbox
    page = app.test_client().get(sent_url(app, ticket.token)).get_data(as_text=True)
    assert "Request sent" in page
    assert "could not send" not in page and "confirmation email to" not in page
