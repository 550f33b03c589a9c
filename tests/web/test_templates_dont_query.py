"""Templates get their data from views and never query the database: any SQL sent while a
template renders (a lazy relationship, a helper that reads a table) fails these tests. They
visit every kind of page, public and agent, with rows in every table the pages show."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, before_render_template, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import event

from kb.extensions import db
from kb.models import Attachment, Outage, Ticket, TicketArticle, TicketEvent, utcnow

from .agent_helpers import login, make_agent, make_ticket


class _Watch:
    """Counts templates being rendered and the SQL sent meanwhile."""

    def __init__(self) -> None:
        self.depth = 0
        self.current: list[str] = []
        self.offences: list[tuple[str, str]] = []

    def started(self, _app: Flask, template: Any, context: Any) -> None:
        self.depth += 1
        self.current.append(template.name or "?")

    def finished(self, _app: Flask, template: Any, context: Any) -> None:
        self.depth -= 1
        self.current.pop()

    def sql(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.depth:
            self.offences.append((self.current[-1], statement.split("\n")[0][:120]))


@pytest.fixture
def watch(app: Flask) -> Iterator[_Watch]:
    seen = _Watch()
    with app.app_context():
        engine = db.engine
    before_render_template.connect(seen.started, app)
    template_rendered.connect(seen.finished, app)
    event.listen(engine, "before_cursor_execute", seen.sql)
    yield seen
    event.remove(engine, "before_cursor_execute", seen.sql)
    before_render_template.disconnect(seen.started, app)
    template_rendered.disconnect(seen.finished, app)


def _history(app: Flask) -> tuple[int, str]:
    """A ticket with every kind of thing its pages show, and an active outage."""
    agent_id = make_agent(app)
    ticket_id = make_ticket(app, assignee_id=agent_id,
                            transcript=[{"kind": "step/tried", "question": "Restart it",
                                         "answer": "It did not help"}])
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        db.session.add_all([
            TicketEvent(ticket_id=ticket_id, kind="comment", body="Still broken",
                        author="Sam Jones", public=True, created_at=utcnow()),
            TicketEvent(ticket_id=ticket_id, kind="note", body="Checked the queue",
                        author="Ana Agent", public=False, created_at=utcnow()),
            TicketArticle(ticket_id=ticket_id, article_id=1),
            Attachment(ticket_id=ticket_id, original_name="screen.png", stored_name="x.png",
                       mime="image/png", size=10),
            Outage(title="Printers down", message="All printers are offline.",
                   services="printing", keywords="printer, print", starts_at=utcnow()),
        ])
        db.session.commit()
        return ticket_id, ticket.token


PUBLIC_PAGES = ["/", "/search?q=printer", "/search?q=zzzqqq", "/about", "/status",
                "/ask", "/ask/lost-link"]


def test_public_pages_render_without_sql(app: Flask, client: FlaskClient,
                                         watch: _Watch) -> None:
    ticket_id, token = _history(app)
    pages = [*PUBLIC_PAGES, f"/status/{token}", "/wizards/printer"]
    for page in pages:
        response = client.get(page, follow_redirects=True)
        assert response.status_code == 200, page
    assert watch.offences == [], "\n".join(f"{t}: {q}" for t, q in watch.offences)


def test_agent_pages_render_without_sql(app: Flask, client: FlaskClient,
                                        watch: _Watch) -> None:
    ticket_id, _token = _history(app)
    login(client)
    pages = ["/agent/", "/agent/?q=printer", "/agent/?q=sam@example.org", "/agent/tickets",
             "/agent/tickets?view=unassigned", f"/agent/tickets/{ticket_id}",
             "/agent/articles/1", "/agent/flags", "/agent/reports", "/agent/outages",
             "/agent/outages/1", "/agent/team"]
    for page in pages:
        response = client.get(page)
        assert response.status_code in (200, 403), page
    assert watch.offences == [], "\n".join(f"{t}: {q}" for t, q in watch.offences)


def test_learning_loop_pages_render_without_sql(app: Flask, client: FlaskClient,
                                                watch: _Watch) -> None:
    """The worklist, its items, synonyms and pins, known errors and drafts, as a lead, with
    a row in each of their tables."""
    from kb.models import (
        ArticleDraft,
        ArticleFlag,
        KnownError,
        KnownErrorTicket,
        SearchLog,
        SearchOverride,
        WorklistItem,
    )

    ticket_id, _token = _history(app)
    make_agent(app, "lee@example.org", "lead", "Lee Lead")
    with app.app_context():
        db.session.add_all([
            SearchLog(text="flurbo", normalised="flurbo", result_count=0, source="public"),
            KnownError(title="Printer says offline", symptoms="printer offline",
                       workaround_article_id=1, status="known error"),
            ArticleFlag(article_id=1, reason="wrong", note="Old menu"),
            ArticleDraft(ticket_id=ticket_id, title="Draft", owner="Print team",
                         filename="draft.md", body="---\nid: 90\n---\n", problems=["x"]),
        ])
        db.session.flush()
        db.session.add_all([
            KnownErrorTicket(known_error_id=1, ticket_id=ticket_id),
            SearchOverride(kind="synonym", words="flurbo", means="outlook", created_by_id=1),
            WorklistItem(kind="search", key="flurbo", note="", assignee_id=1),
        ])
        db.session.commit()
    login(client, "lee@example.org")
    pages = ["/agent/worklist", "/agent/worklist?view=closed", "/agent/worklist?view=mine",
             "/agent/worklist/item?kind=search&key=flurbo", "/agent/worklist/item?kind=flag&key=1",
             "/agent/worklist/search-words", "/agent/problems", "/agent/problems/1",
             "/agent/problems/new", "/agent/drafts", "/agent/drafts/1",
             f"/agent/tickets/{ticket_id}", "/search?q=printer+offline"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    assert watch.offences == [], "\n".join(f"{t}: {q}" for t, q in watch.offences)
