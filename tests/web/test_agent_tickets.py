"""Working tickets: queue order, the ticket page, replies by email, resolve and confirm."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from kb.agents.actions import link_rate
from kb.extensions import db
from kb.models import Attachment, TicketArticle, utcnow
from tests.conftest import email_text

from .agent_helpers import get_ticket, login, make_agent, make_ticket, post, token_from

SCRIPT = "<script>alert('x')</script>"




def test_queue_sorted_by_time_left_and_overdue_stands_out(app: Flask,
                                                          client: FlaskClient) -> None:
    make_agent(app)
    now = utcnow()
    make_ticket(app, summary="Later one", respond_by=now + timedelta(days=3))
    make_ticket(app, summary="Overdue one", respond_by=now - timedelta(days=3),
                          priority="P2")
    make_ticket(app, summary="Answered one", respond_by=now - timedelta(days=5),
                           first_response_at=now)
    make_ticket(app, summary="Closed one", status="closed")
    login(client)
    html = client.get("/agent/tickets").get_data(as_text=True)
    positions = [html.index(s) for s in ("Overdue one", "Later one", "Answered one")]
    assert positions == sorted(positions)
    assert "Closed one" not in html
    row = html[html.rindex("<tr", 0, html.index("Overdue one")):html.index("Overdue one")]
    assert "overdue-row" in row
    assert re.search(r'class="tag overdue">Overdue by \d+ h', html)
    only_p2 = client.get("/agent/tickets?priority=P2").get_data(as_text=True)
    assert "Overdue one" in only_p2 and "Later one" not in only_p2
    closed = client.get("/agent/tickets?status=closed").get_data(as_text=True)
    assert "Closed one" in closed and "Later one" not in closed


def test_mine_filter_and_assign(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    ticket_id = make_ticket(app, summary="Mine soon")
    make_ticket(app, summary="Somebody else's")
    login(client)
    page = f"/agent/tickets/{ticket_id}"
    html = client.get(page).get_data(as_text=True)
    agent_id = re.search(r'<option selected value="(\d+)">Ana Agent', html) or re.search(
        r'<option value="(\d+)"[^>]*>Ana Agent', html)
    assert agent_id
    post(client, page, f"{page}/assign", assignee=agent_id.group(1))
    mine = client.get("/agent/tickets?mine=1").get_data(as_text=True)
    assert "Mine soon" in mine and "Somebody else" not in mine


def test_user_text_is_escaped_for_agents(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    ticket_id = make_ticket(app, summary=f"Help {SCRIPT}", description=f"It says {SCRIPT}",
                            transcript=[{"question": "What do you see?", "answer": SCRIPT}])
    login(client)
    page = f"/agent/tickets/{ticket_id}"
    post(client, page, f"{page}/message", kind="note", message=f"Note {SCRIPT}")
    for url in (page, "/agent/tickets"):
        html = client.get(url).get_data(as_text=True)
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_reply_is_emailed_and_public_note_is_not(mail_app: Flask, inbox: Any) -> None:
    client = mail_app.test_client()
    make_agent(mail_app)
    ticket_id = make_ticket(mail_app)
    login(client)
    page = f"/agent/tickets/{ticket_id}"
    missing = post(client, page, f"{page}/message", kind="reply", message="")
    assert missing.status_code == 400
    assert 'href="#message"' in missing.get_data(as_text=True)
    post(client, page, f"{page}/message", kind="note", message="Caller sounds upset.")
    assert inbox.messages == []
    post(client, page, f"{page}/message", kind="reply",
         message="Please restart the printer and tell us what the screen says.")
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "sam@example.org"
    ticket = get_ticket(mail_app, ticket_id)
    assert ticket.reference in message["Subject"]
    body = email_text(message)
    assert "Please restart the printer" in body and f"/status/{ticket.token}" in body
    assert ticket.first_response_at is not None and ticket.status == "in progress"
    status_page = mail_app.test_client().get(f"/status/{ticket.token}").get_data(as_text=True)
    assert "Please restart the printer" in status_page
    assert "Caller sounds upset" not in status_page


def test_link_by_kb_id_escalate_and_errors(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    ticket_id = make_ticket(app)
    login(client)
    page = f"/agent/tickets/{ticket_id}"
    bad = post(client, page, f"{page}/link", kb_id="KB-99999")
    assert bad.status_code == 400 and "There is no article with that ID" in bad.get_data(
        as_text=True)
    post(client, page, f"{page}/link", kb_id="kb-5")
    post(client, page, f"{page}/link", kb_id="5")  # twice: still one link
    no_reason = post(client, page, f"{page}/escalate", group="Network team", reason="")
    assert no_reason.status_code == 400
    post(client, page, f"{page}/escalate", group="Network team",
         reason="Whole floor offline; switch port?")
    ticket = get_ticket(app, ticket_id)
    assert [link.article_id for link in ticket.links] == [5]
    assert ticket.team == "Network team"
    public = [e.body for e in ticket.events if e.public]
    assert any("Try this article: My printer says it's offline (KB-5)" in b for b in public)
    assert not any("switch port" in b for b in public)
    assert any("switch port" in e.body for e in ticket.events if not e.public)
    html = client.get(f"/status/{ticket.token}").get_data(as_text=True)
    assert "Try this article" in html
    assert 'href="/articles/5-' in html  # a link the user can follow, not just a line of text
    post(client, page, f"{page}/link", kb_id="KB-100")  # internal: never shown to the user
    html = app.test_client().get(f"/status/{ticket.token}").get_data(as_text=True)
    assert "/articles/100-" not in html and "KB-100" not in html


def test_resolve_confirm_yes_closes_then_rating(mail_app: Flask, inbox: Any) -> None:
    client = mail_app.test_client()
    make_agent(mail_app)
    ticket_id = make_ticket(mail_app)
    login(client)
    page = f"/agent/tickets/{ticket_id}"
    short = post(client, page, f"{page}/resolve", explanation="Done.")
    assert short.status_code == 400 and "There is a problem" in short.get_data(as_text=True)
    assert get_ticket(mail_app, ticket_id).status == "new"
    post(client, page, f"{page}/resolve",
         explanation="The printer had lost its network cable. We plugged it back in.")
    assert get_ticket(mail_app, ticket_id).status == "resolved"
    body = email_text(inbox.messages[-1])
    assert "lost its network cable" in body
    yes = re.search(r"Yes, it is fixed: (\S+)", body)
    assert yes and yes.group(1).startswith("http://localhost/status/")
    user = mail_app.test_client()
    path = yes.group(1).removeprefix("http://localhost")
    confirm_page = user.get(path)
    assert confirm_page.status_code == 200
    assert get_ticket(mail_app, ticket_id).status == "resolved"  # GET changes nothing
    html = confirm_page.get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="yes"', html)  # the link filled in "Yes"
    done = user.post(path.split("?")[0], data={"csrf_token": token_from(html), "answer": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/rate")
    ticket = get_ticket(mail_app, ticket_id)
    assert ticket.status == "closed" and ticket.closed_at is not None
    rate_url = done.headers["Location"]
    rate_html = user.get(rate_url).get_data(as_text=True)
    bad = user.post(rate_url, data={"csrf_token": token_from(rate_html), "rating": "9"})
    assert bad.status_code == 400
    user.post(rate_url, data={"csrf_token": token_from(rate_html), "rating": "4"})
    assert get_ticket(mail_app, ticket_id).rating == 4
    assert "You rated our help 4 out of 5" in user.get(rate_url).get_data(as_text=True)


def test_confirm_no_reopens(mail_app: Flask, inbox: Any) -> None:
    client = mail_app.test_client()
    make_agent(mail_app)
    ticket_id = make_ticket(mail_app)
    login(client)
    page = f"/agent/tickets/{ticket_id}"
    post(client, page, f"{page}/resolve", explanation="We cleared the print queue for you.")
    token = get_ticket(mail_app, ticket_id).token
    user = mail_app.test_client()
    path = f"/status/{token}/confirm"
    html = user.get(path + "?answer=no").get_data(as_text=True)
    user.post(path, data={"csrf_token": token_from(html), "answer": "no"})
    ticket = get_ticket(mail_app, ticket_id)
    assert ticket.status == "in progress" and ticket.resolved_at is None
    assert ticket.events[-1].kind == "reopened" and ticket.events[-1].public
    assert user.get(path).status_code == 200  # no longer resolved: just says so
    assert ticket.rating is None


def test_one_users_token_never_shows_another_ticket(app: Flask) -> None:
    first = make_ticket(app, summary="First person's printer", status="resolved")
    second = make_ticket(app, summary="Second person's laptop", status="resolved",
                         email="other@example.org")
    token_a = get_ticket(app, first).token
    user = app.test_client()
    html = user.get(f"/status/{token_a}/confirm").get_data(as_text=True)
    assert "First person" in html and "Second person" not in html
    assert user.get(f"/status/{token_a}x/confirm").status_code == 404
    assert user.get(f"/status/{token_a}/rate").status_code == 200
    user.post(f"/status/{token_a}/confirm", data={"csrf_token": token_from(html),
                                                   "answer": "yes"})
    assert get_ticket(app, first).status == "closed"
    assert get_ticket(app, second).status == "resolved"


def test_send_updates_only_for_untouched_open_tickets(mail_app: Flask, inbox: Any) -> None:
    old = utcnow() - timedelta(days=2)
    stale = make_ticket(mail_app, summary="Stale", last_touched_at=old)
    make_ticket(mail_app, summary="Fresh")
    make_ticket(mail_app, summary="Done", status="resolved", last_touched_at=old)
    result = mail_app.test_cli_runner().invoke(args=["kb", "send-updates"])
    assert result.exit_code == 0 and "Queued 1" in result.output
    assert [m["To"] for m in inbox.messages] == ["sam@example.org"]
    assert "still working" in email_text(inbox.messages[0])
    ticket = get_ticket(mail_app, stale)
    assert ticket.events[-1].kind == "update" and ticket.events[-1].public
    again = mail_app.test_cli_runner().invoke(args=["kb", "send-updates"])
    assert "Queued 0" in again.output  # touched today now


def test_link_rate(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        assert link_rate().percent is None
    ids = [make_ticket(app, status=s) for s in ("resolved", "closed", "closed", "new")]
    with app.app_context():
        db.session.add_all([TicketArticle(ticket_id=ids[0], article_id=5),
                            TicketArticle(ticket_id=ids[0], article_id=2),
                            TicketArticle(ticket_id=ids[3], article_id=5)])
        db.session.commit()
        rate = link_rate()
        assert (rate.linked, rate.total, rate.percent) == (1, 3, 33)
    make_agent(app)
    login(client)
    assert "33%" in client.get("/agent/reports").get_data(as_text=True)


def test_attachment_download(app: Flask, client: FlaskClient) -> None:
    from pathlib import Path

    ticket_id = make_ticket(app)
    folder = Path(app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abc123.png").write_bytes(b"\x89PNG fake")
    with app.app_context():
        att = Attachment(ticket_id=ticket_id, original_name="screen.png",
                         stored_name="abc123.png", mime="image/png", size=9)
        db.session.add(att)
        db.session.commit()
        att_id = att.id
    make_agent(app)
    login(client)
    html = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Download screen.png" in html
    response = client.get(f"/agent/tickets/{ticket_id}/attachments/{att_id}")
    assert response.status_code == 200 and response.data == b"\x89PNG fake"
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get(f"/agent/tickets/{ticket_id + 1}/attachments/{att_id}").status_code == 404




def test_an_illegal_status_change_from_the_ticket_page_is_refused(app: Flask,
                                                                  client: FlaskClient) -> None:
    from kb.tickets.lifecycle import TicketStatus

    make_agent(app)
    login(client)
    ticket_id = make_ticket(app)
    page = f"/agent/tickets/{ticket_id}"
    assert post(client, page, f"{page}/status", status="closed").status_code == 302
    refused = post(client, page, f"{page}/status", status="waiting on user")
    assert refused.status_code == 400 and "cannot become" in refused.get_data(as_text=True)
    assert get_ticket(app, ticket_id).status == TicketStatus.CLOSED


def test_the_status_box_shows_the_status_after_resolve(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    login(client)
    ticket_id = make_ticket(app)
    page = f"/agent/tickets/{ticket_id}"
    post(client, page, f"{page}/resolve", explanation="Restarted the print queue.")
    html = client.get(page).get_data(as_text=True)
    box = html.split('id="st-h"')[1].split("</section>")[0]
    assert '<option selected value="resolved">Resolved (now)</option>' in box
    assert 'value="waiting on user"' not in box  # not possible from resolved


def test_queue_search_saved_views_and_likely_duplicates(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    login(client)
    first = make_ticket(app, summary="Printer on floor 2 says offline", email="sam@example.org")
    again = make_ticket(app, summary="printer floor 2 offline again", email="sam@example.org")
    other = make_ticket(app, summary="Monitor flickers", email="kim@example.org")
    html = client.get("/agent/tickets?q=printer").get_data(as_text=True)
    assert f"HD-{first:06d}" in html and f"HD-{other:06d}" not in html
    assert f"Likely duplicate of <a href=\"/agent/tickets/{first}\">" in html
    assert f"HD-{other:06d}" in client.get("/agent/tickets?q=kim@example").get_data(as_text=True)
    unassigned = client.get("/agent/tickets?view=unassigned").get_data(as_text=True)
    assert f"HD-{again:06d}" in unassigned and 'aria-current="page">Unassigned' in unassigned
    assert f"HD-{first:06d}" not in client.get("/agent/tickets?view=mine").get_data(as_text=True)


def test_what_they_tried_is_a_readable_list_without_repeats(app: Flask,
                                                            client: FlaskClient) -> None:
    make_agent(app)
    login(client)
    transcript = [
        {"question": "Tell us what happens when you try to print.", "answer": "it says offline",
         "kind": "open"},
        {"question": "Turn the printer off and on again. Did that work?",
         "answer": "No, it did not work", "kind": "step"},
        {"question": "Already tried", "answer": "Turn the printer off and on again",
         "kind": "tried"}]
    ticket_id = make_ticket(app, transcript=transcript, wizard_id="printer")
    html = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    section = html.split('id="tr-h"')[1].split("</section>")[0]
    assert "Kind:" not in section and section.count("Turn the printer off and on again") == 1
    assert "Did not work" in section and "it says offline" in section
