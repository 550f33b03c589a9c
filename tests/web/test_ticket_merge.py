"""Merging a likely duplicate: only one person's tickets, both shown before anything
changes, the duplicate's words and files moved, closed through the lifecycle for good, and
one email (received by a real SMTP server) pointing at the ticket that stays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import Attachment, OutboxEmail, Ticket, TicketEvent, utcnow
from kb.tickets.lifecycle import IllegalTransition, TicketStatus, move
from kb.tickets.service import attach_file
from kb.tickets.uploads import CheckedUpload
from tests.conftest import csrf_token, email_text

from .agent_helpers import get_ticket, login, make_agent, make_ticket, post, token_from


def _pair(app: Flask, dup_email: str = "Sam@Example.org") -> tuple[int, int]:
    """The ticket to keep (earlier) and a duplicate with a comment, a reply, an internal
    note and a screenshot."""
    now = utcnow()
    keep = make_ticket(app, summary="Printer on floor 2 offline",
                       created_at=now - timedelta(hours=2))
    dup = make_ticket(app, summary="Floor 2 printer offline again", email=dup_email,
                      description="Still nothing prints. The screen says 'Offline'.")
    with app.app_context():
        ticket = db.session.get(Ticket, dup)
        assert ticket is not None
        db.session.add_all([
            TicketEvent(ticket=ticket, kind="comment", body="I tried turning it off and on.",
                        author="Sam Jones", public=True),
            TicketEvent(ticket=ticket, kind="reply", body="Is the light orange?",
                        author="Ana Agent", public=True),
            TicketEvent(ticket=ticket, kind="note", body="Caller sounds upset (internal).",
                        author="Ana Agent", public=False)])
        attach_file(ticket, CheckedUpload(data=b"\x89PNG\r\n\x1a\n fake", mime="image/png",
                                          extension="png", original_name="screen.png"))
        db.session.commit()
    return keep, dup


def _outbox(app: Flask) -> list[OutboxEmail]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
        db.session.expunge_all()
        return rows


def test_merge_moves_words_and_files_closes_through_the_table_and_emails_once(
        mail_app: Flask, inbox: Any) -> None:
    make_agent(mail_app)
    keep, dup = _pair(mail_app)
    agent = mail_app.test_client()
    login(agent)
    confirm = agent.get(f"/agent/tickets/{dup}/merge?into=HD-{keep:06d}")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Duplicate: this one closes" in html and "Ticket to keep: stays open" in html
    assert "Printer on floor 2 offline" in html and "Floor 2 printer offline again" in html
    assert get_ticket(mail_app, dup).status == "new"  # the confirm step changes nothing
    done = agent.post(f"/agent/tickets/{dup}/merge",
                      data={"csrf_token": token_from(html), "into": str(keep)})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/tickets/{keep}")

    target, duplicate = get_ticket(mail_app, keep), get_ticket(mail_app, dup)
    merged = [e for e in target.events if e.kind == "merged"]
    assert len(merged) == 1 and merged[0].public
    body = merged[0].body
    assert body.startswith(f"Merged from HD-{dup:06d}")
    for words in ("Still nothing prints", "I tried turning it off and on", "Is the light orange"):
        assert words in body
    assert "Caller sounds upset" not in body  # internal notes are not the requester's words
    assert any(e.kind == "note" and not e.public and f"HD-{dup:06d}" in e.body
               for e in target.events)
    assert any(e.kind == "note" and not e.public and f"HD-{keep:06d}" in e.body
               for e in duplicate.events)
    assert duplicate.status == "closed" and duplicate.merged_into_id == keep
    assert duplicate.closed_at is not None
    assert [e.kind for e in duplicate.events][-1] == "merged"
    with mail_app.app_context():
        att = db.session.scalars(select(Attachment)).one()
        assert att.ticket_id == keep
        att_id = att.id
    assert agent.get(f"/agent/tickets/{keep}/attachments/{att_id}").status_code == 200
    assert agent.get(f"/agent/tickets/{dup}/attachments/{att_id}").status_code == 404

    # One email, through the outbox, to the duplicate's address, with only the target's link.
    rows = _outbox(mail_app)
    assert [(r.template, r.ticket_id, r.state) for r in rows] == [("ticket_merged", dup, "sent")]
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "Sam@Example.org"
    text = email_text(message)
    assert f"/status/{target.token}" in text and duplicate.token not in text
    assert f"HD-{keep:06d}" in text and "Still nothing prints" not in text

    # The requester: the duplicate's page says where it went; comments there go nowhere.
    user = mail_app.test_client()
    page = user.get(f"/status/{duplicate.token}").get_data(as_text=True)
    assert f"joined with HD-{keep:06d}" in page and f'href="/status/{target.token}"' in page
    sent = user.post(f"/status/{duplicate.token}/comment",
                     data={"csrf_token": csrf_token(user, "/ask"), "comment": "Any news?"},
                     follow_redirects=True)
    assert f"Please add it on HD-{keep:06d}" in sent.get_data(as_text=True)
    assert not any(e.body == "Any news?" for e in get_ticket(mail_app, dup).events)
    kept_page = user.get(f"/status/{target.token}").get_data(as_text=True)
    assert "Joined with your other request" in kept_page and "Still nothing prints" in kept_page
    assert "Caller sounds upset" not in kept_page
    assert len(inbox.messages) == 1  # nothing else was emailed

    # Merged for good: not merged again, not reopened by an agent either.
    again = agent.get(f"/agent/tickets/{dup}/merge?into={keep}")
    assert again.status_code == 409 and "already merged" in again.get_data(as_text=True)
    reopen = post(agent, f"/agent/tickets/{dup}", f"/agent/tickets/{dup}/status",
                  status="in progress")
    assert reopen.status_code == 400 and "stays closed" in reopen.get_data(as_text=True)
    assert get_ticket(mail_app, dup).status == "closed"
    with mail_app.app_context():
        ticket = db.session.get(Ticket, dup)
        assert ticket is not None
        with pytest.raises(IllegalTransition):
            move(ticket, TicketStatus.IN_PROGRESS, kind="reopened", body="", author="Sam")
        db.session.rollback()


def test_merge_refused_for_different_requesters(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    keep, dup = _pair(app, dup_email="someone.else@example.org")
    login(client)
    confirm = client.get(f"/agent/tickets/{dup}/merge?into={keep}")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 409
    assert "different email addresses" in html and "show one person what the other wrote" in html
    assert f'method="post" action="/agent/tickets/{dup}/merge"' not in html  # no button
    forced = client.post(f"/agent/tickets/{dup}/merge",
                         data={"csrf_token": token_from(html), "into": str(keep)})
    assert forced.status_code == 409
    duplicate = get_ticket(app, dup)
    assert duplicate.status == "new" and duplicate.merged_into_id is None
    assert not any(e.kind == "merged" for e in get_ticket(app, keep).events)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
        assert db.session.scalars(select(Attachment)).one().ticket_id == dup


@pytest.mark.parametrize(("setup", "words"), [
    ("self", "cannot be merged into itself"),
    ("closed target", "Merge into an open ticket"),
    ("closed duplicate", "nothing to merge"),
    ("unknown", "There is no ticket"),
])
def test_merge_refusals_say_why(app: Flask, client: FlaskClient, setup: str,
                                words: str) -> None:
    make_agent(app)
    keep, dup = _pair(app, dup_email="sam@example.org")
    with app.app_context():
        if setup == "closed target":
            ticket = db.session.get(Ticket, keep)
            assert ticket is not None
            move(ticket, TicketStatus.CLOSED, kind="closed", body="", author="x")
        if setup == "closed duplicate":  # closed -> closed is not in the table
            ticket = db.session.get(Ticket, dup)
            assert ticket is not None
            move(ticket, TicketStatus.CLOSED, kind="closed", body="", author="x")
        db.session.commit()
    into = {"self": dup, "unknown": 99999}.get(setup, keep)
    login(client)
    response = client.get(f"/agent/tickets/{dup}/merge?into={into}")
    assert response.status_code in (404, 409)
    assert words in response.get_data(as_text=True)
    html = client.get(f"/agent/tickets/{dup}").get_data(as_text=True)
    forced = client.post(f"/agent/tickets/{dup}/merge",
                         data={"csrf_token": token_from(html), "into": str(into)})
    assert forced.status_code in (404, 409)
    assert get_ticket(app, dup).merged_into_id is None


def test_merge_needs_an_agent_and_a_csrf_token(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    keep, dup = _pair(app, dup_email="sam@example.org")
    anonymous = app.test_client()
    assert anonymous.get(f"/agent/tickets/{dup}/merge?into={keep}").status_code == 302
    html = app.test_client().get("/ask").get_data(as_text=True)
    stranger = anonymous.post(f"/agent/tickets/{dup}/merge",
                              data={"csrf_token": token_from(html), "into": str(keep)})
    assert stranger.status_code in (302, 400)
    login(client)
    no_token = client.post(f"/agent/tickets/{dup}/merge", data={"into": str(keep)})
    assert no_token.status_code == 400
    assert get_ticket(app, dup).merged_into_id is None


def test_queue_flag_and_ticket_page_offer_the_merge(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    now = utcnow()
    first = make_ticket(app, summary="Printer offline on floor 2",
                        created_at=now - timedelta(hours=1))
    second = make_ticket(app, summary="printer offline floor 2")
    login(client)
    queue = client.get("/agent/tickets").get_data(as_text=True)
    link = f"/agent/tickets/{second}/merge?into={first}"
    assert f'href="{link}"' in queue
    page = client.get(f"/agent/tickets/{second}").get_data(as_text=True)
    assert f'href="{link}"' in page and 'id="merge-into"' in page
    typed = client.get(f"/agent/tickets/{second}/merge?into=hd-{first}")
    assert typed.status_code == 200 and f"Merge HD-{second:06d} into HD-{first:06d}" in \
        typed.get_data(as_text=True)
    blank = client.get(f"/agent/tickets/{second}/merge?into=")
    assert blank.status_code == 400 and "for example HD-000123" in blank.get_data(as_text=True)
