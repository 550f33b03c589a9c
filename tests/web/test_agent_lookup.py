"""Lookup during a call: agent search with internal articles, internal notes, flags."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from kb.extensions import db
from kb.models import ArticleFlag

from .agent_helpers import login, make_agent, make_ticket, post

NOTES_TEXT = "it is the laptop: clear the queue"  # from KB-5's internal notes


def test_search_page_includes_internal_articles_labelled(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    make_ticket(app, summary="Locked out of my account")
    login(client)
    html = client.get("/agent/?q=unlock+account").get_data(as_text=True)
    assert "Unlocking an account in the directory" in html
    assert "KB-100" in html and 'class="tag internal">Internal<' in html
    assert "autofocus" in html and 'data-agent-search="/agent/api/search"' in html
    assert "Link to ticket" in html and "Locked out of my account" in html
    assert "/a/2" in html  # copy-link button holds the short link of the public article


def test_search_api_marks_internal_and_public_api_hides_it(app: Flask,
                                                          client: FlaskClient) -> None:
    make_agent(app)
    login(client)
    data = client.get("/agent/api/search?q=unlock+account").get_json()
    by_id = {r["id"]: r for r in data["results"]}
    assert by_id["KB-100"]["internal"] is True and by_id["KB-100"]["link"] == ""
    assert by_id["KB-2"]["internal"] is False and by_id["KB-2"]["link"].endswith("/a/2")
    public = app.test_client().get("/api/v1/search?q=unlock+account").get_json()
    assert "KB-100" not in {r["id"] for r in public["results"]}


def test_agent_article_shows_notes_public_never(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    login(client)
    agent_html = client.get("/agent/articles/5").get_data(as_text=True)
    assert "Internal notes (agents only)" in agent_html and NOTES_TEXT in agent_html
    anon = app.test_client()
    public_html = anon.get("/articles/5", follow_redirects=True).get_data(as_text=True)
    assert "Offline" in public_html and NOTES_TEXT not in public_html
    api = anon.get("/api/v1/articles/KB-5").get_data(as_text=True)
    assert "Offline" in api and "clear the queue" not in api
    assert anon.get("/articles/100").status_code == 404
    assert client.get("/agent/articles/100").status_code == 200


def test_flag_from_article_and_mark_done(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    login(client)
    bad = post(client, "/agent/articles/5", "/agent/flags", flag_article="5", flag_note="")
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#flag_reason-0"' in html
    ok = post(client, "/agent/articles/5", "/agent/flags", flag_article="5",
              flag_reason="outdated", flag_note="Step 3 <b>moved</b> in the new driver.")
    assert ok.status_code == 302
    flags = client.get("/agent/flags").get_data(as_text=True)
    assert "Out of date" in flags and "Printing team" in flags
    assert "Step 3 &lt;b&gt;moved&lt;/b&gt;" in flags
    with app.app_context():
        flag_id = db.session.scalar(db.select(ArticleFlag.id))
    post(client, "/agent/flags", f"/agent/flags/{flag_id}/done")
    assert "No open flags" in client.get("/agent/flags").get_data(as_text=True)


def test_flag_from_a_ticket(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    ticket_id = make_ticket(app)
    login(client)
    page = f"/agent/tickets/{ticket_id}"
    post(client, page, f"{page}/link", kb_id="KB-5")
    response = post(client, page, "/agent/flags", flag_article="5", flag_reason="unclear",
                    flag_note="Users do not find the print queue.", flag_ticket=str(ticket_id))
    assert response.headers["Location"].endswith(page)
    with app.app_context():
        flag = db.session.scalar(db.select(ArticleFlag))
        assert flag is not None and flag.ticket_id == ticket_id and flag.reason == "unclear"


def test_link_to_ticket_from_search(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    ticket_id = make_ticket(app)
    login(client)
    response = post(client, "/agent/?q=printer", "/agent/link", article_id="5",
                    ticket_id=str(ticket_id))
    assert response.headers["Location"].endswith(f"/agent/tickets/{ticket_id}")
    html = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "KB-5 My printer says it" in html
