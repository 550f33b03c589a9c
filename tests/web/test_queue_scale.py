"""The queue holds 10,000 open tickets: ordered and paged by the database, a new P1 with the
nearest deadline is the first row of page 1 (it used to be cut off after the oldest 300)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert

from kb.agents.queue import PER_PAGE, queue
from kb.extensions import db
from kb.models import Ticket, new_token, utcnow

from .agent_helpers import login, make_agent, make_ticket

OPEN = 10_000


def fill(app: Flask) -> None:
    """10,000 open P3 tickets, created over the last weeks, each due within days."""
    now = utcnow()
    rows = [{"token": new_token(), "summary": f"Old request {i}", "description": "",
             "name": "Sam", "email": "sam@example.org", "status": "new", "priority": "P3",
             "category": "other", "impact": "me", "urgency": "normal", "team": "Help desk",
             "transcript": [], "created_at": now - timedelta(days=30, minutes=i),
             "last_touched_at": now, "respond_by": now + timedelta(hours=2, minutes=i % 5000)}
            for i in range(OPEN)]
    with app.app_context():
        db.session.execute(insert(Ticket), rows)
        db.session.commit()


def test_a_new_p1_tops_a_queue_of_ten_thousand(app: Flask, client: FlaskClient) -> None:
    fill(app)
    make_agent(app)
    now = utcnow()
    p1 = make_ticket(app, summary="Whole floor offline", priority="P1",
                     respond_by=now + timedelta(minutes=30), created_at=now)
    with app.app_context():
        first = queue()
        assert first.total == OPEN + 1 and first.pages == -(-(OPEN + 1) // PER_PAGE)
        assert len(first.rows) == PER_PAGE
        assert first.rows[0].ticket.id == p1
        deadlines = [r.ticket.respond_by for r in first.rows]
        assert deadlines == sorted(deadlines)
        last = queue(page=first.pages)
        assert last.page == first.pages and 0 < len(last.rows) <= PER_PAGE
        assert last.rows[-1].ticket.respond_by >= first.rows[-1].ticket.respond_by
    login(client)
    html = client.get("/agent/tickets").get_data(as_text=True)
    assert f"{OPEN + 1} tickets, the least time left" in html
    assert html.index("Whole floor offline") < html.index("Old request")
    assert f"Page 1 of {first.pages}" in html
    page2 = client.get("/agent/tickets?page=2").get_data(as_text=True)
    assert "Whole floor offline" not in page2 and "Page 2 of" in page2
