"""From ticket to article: a resolved ticket drafted in the house shape passes the content
lint (the one `flask kb check` runs), keeps none of the requester's secrets or details, sits
in the drafts list for its owner, downloads, and publishes into a writable articles folder
with the next free id (search finds it at once); agents draft, leads publish; CSRF."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import frontmatter
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb.config import ROOT
from kb.core.content.drafts import next_free_id
from kb.core.services import library, search_index
from kb.extensions import db
from kb.models import ArticleDraft, utcnow
from tests.web.agent_helpers import login, make_agent, make_ticket, post, token_from

DESCRIPTION = ("When I press Scan the scanner makes a loud grinding noise. Then it stops.\n"
               "My password is Hunter2!x and my number is 01632 960123. "
               "Sam Jones, sam@example.org")
RESOLUTION = ("Open the lid and take out the staple stuck on the glass. "
              "Close the lid and press Scan again.")


def resolved(app: Flask, **fields: Any) -> int:
    values = {"summary": "The scanner makes a grinding noise", "description": DESCRIPTION,
              "status": "resolved", "resolution": RESOLUTION, "resolved_at": utcnow(),
              "category": "printing", **fields}
    return make_ticket(app, **values)


def agent_client(app: Flask, role: str = "agent") -> FlaskClient:
    email = f"{role}@example.org"
    make_agent(app, email, role, role.capitalize())
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def draft_of(client: FlaskClient, ticket_id: int) -> Any:
    page = f"/agent/tickets/{ticket_id}"
    return post(client, page, f"{page}/draft")


def test_a_ticket_drafted_into_an_article_passes_the_lint(app: Flask) -> None:
    agent = agent_client(app)
    ticket_id = resolved(app)
    html = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Draft an article from this" in html
    r = draft_of(agent, ticket_id)
    assert r.status_code == 302 and r.location == "/agent/drafts/1"
    page = agent.get(r.location).get_data(as_text=True)
    assert "The lint found nothing to fix." in page and "Passes" in page
    with app.app_context():
        draft = db.session.get(ArticleDraft, 1)
        assert draft is not None and draft.problems == []
        text, owner = draft.body, draft.owner
        expected_id = next_free_id(library())
        printing_owners = {a.owner for a in library().in_category("printing")}
    post_ = frontmatter.loads(text)
    assert post_["id"] == expected_id and post_["category"] == "printing"
    assert post_["audience"] == "public" and post_["title"] == "The scanner makes a grinding noise"
    assert owner in printing_owners and post_["owner"] == owner
    assert "press Scan the scanner makes a loud grinding noise" in text  # their words
    assert "1. Open the lid and take out the staple" in text  # the agent's fix
    for secret in ("Hunter2", "01632 960123", "sam@example.org", "Sam Jones", "Jones"):
        assert secret not in text, secret
    for section in ("## What you see", "## Quick workaround", "## Fix it",
                    "## Why this happens", "## Stop it happening again", "## Still stuck?"):
        assert section in text
    listing = agent.get("/agent/drafts").get_data(as_text=True)
    assert "The scanner makes a grinding noise" in listing and owner in listing
    download = agent.get("/agent/drafts/1/download")
    assert download.mimetype == "text/markdown" and download.get_data(as_text=True) == text
    assert "attachment;" in download.headers["Content-Disposition"]
    assert "This site may not write to the articles folder" in page  # off by default


def test_only_a_resolved_ticket_is_drafted_and_the_lint_speaks_up(app: Flask) -> None:
    agent = agent_client(app)
    open_id = make_ticket(app)
    assert "Draft an article from this" not in agent.get(
        f"/agent/tickets/{open_id}").get_data(as_text=True)
    r = draft_of(agent, open_id)
    assert r.status_code == 302 and r.location == f"/agent/tickets/{open_id}"
    assert "Only a resolved ticket" in agent.get(r.location).get_data(as_text=True)
    jargon_id = resolved(app, resolution="Reset the QZXV cache on the MFD.")
    r = draft_of(agent, jargon_id)
    page = agent.get(r.location).get_data(as_text=True)
    assert "to fix" in page and "is an acronym" in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ArticleDraft)) == 1


@pytest.fixture
def writable(app_factory: Any, tmp_path: Path) -> Flask:
    folder = tmp_path / "articles"
    shutil.copytree(ROOT / "articles", folder)
    return app_factory(ARTICLES_DIR=str(folder), GLOSSARY_FILE=str(folder / "_glossary.yml"),
                       ARTICLES_WRITABLE=True, INDEX_DIR=str(tmp_path / "index"))


def test_a_lead_publishes_it_and_search_finds_it(writable: Flask) -> None:
    app = writable
    agent = agent_client(app)
    lead = agent_client(app, "lead")
    ticket_id = resolved(app)
    assert draft_of(agent, ticket_id).status_code == 302
    page = agent.get("/agent/drafts/1").get_data(as_text=True)
    assert "Publish it" not in page  # agents do not publish
    token = token_from(page)
    assert agent.post("/agent/drafts/1/publish", data={"csrf_token": token}).status_code == 403
    assert agent.post("/agent/drafts/1/discard", data={"csrf_token": token}).status_code == 403
    assert lead.post("/agent/drafts/1/publish").status_code == 400  # no CSRF token
    with app.app_context():
        number = next_free_id(library())
    r = post(lead, "/agent/drafts/1", "/agent/drafts/1/publish")
    assert r.status_code == 302 and r.location == f"/agent/articles/{number}"
    path = Path(app.config["ARTICLES_DIR"]) / "the-scanner-makes-a-grinding-noise.md"
    assert frontmatter.loads(path.read_text())["id"] == number
    with app.app_context():
        draft = db.session.get(ArticleDraft, 1)
        assert draft is not None and draft.state == "published" and draft.article_id == number
    with app.test_request_context():
        assert library().get(number) is not None
        assert search_index().search("scanner grinding noise").hits[0].id == number
    assert app.test_client().get(f"/a/{number}").status_code == 302
    again = post(lead, "/agent/drafts/1", "/agent/drafts/1/publish")
    assert "already published" in lead.get(again.location).get_data(as_text=True)
    # A second draft of the same ticket gets the next id and a file name of its own.
    draft_of(agent, ticket_id)
    post(lead, "/agent/drafts/2", "/agent/drafts/2/publish")
    assert (path.parent / "the-scanner-makes-a-grinding-noise-2.md").exists()
    with app.app_context():
        assert db.session.get(ArticleDraft, 2).article_id == number + 1  # type: ignore[union-attr]


def test_drafts_need_a_signed_in_agent_and_csrf(app: Flask, client: FlaskClient) -> None:
    ticket_id = resolved(app)
    assert client.get("/agent/drafts").location.startswith("/agent/login")
    assert client.post(f"/agent/tickets/{ticket_id}/draft").status_code in (302, 400)
    agent = agent_client(app)
    assert agent.post(f"/agent/tickets/{ticket_id}/draft").status_code == 400
    assert agent.get("/agent/drafts/9").status_code == 404
    assert agent.get("/agent/drafts/9/download").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(ArticleDraft)) is None
