"""/agent/worklist: searches for a made-up problem are one group; a lead closes it with a
synonym and the same search then finds the article, with no deploy; a pin puts an article
first; a wizard drop-out, "not helpful" votes, flags, stale reviews and ticket clusters show
with their evidence; assign, snooze and close; agents read, leads act; bad input is a 400."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb.core.services import library, search_index
from kb.extensions import db
from kb.models import (
    ArticleFlag,
    Feedback,
    SearchLog,
    SearchOverride,
    Ticket,
    TicketArticle,
    WizardEvent,
    WorklistItem,
    utcnow,
)
from tests.conftest import csrf_token
from tests.web.agent_helpers import lead_client, login, make_agent, make_ticket, token_from

MADE_UP = ["flurbo won't open", "Flurbo wont open!", "FLURBO won't open"]
OUTLOOK = 26  # articles/outlook-wont-open.md


@pytest.fixture
def lead(app: Flask) -> FlaskClient:
    return lead_client(app)


@pytest.fixture
def agent(app: Flask) -> FlaskClient:
    make_agent(app, "ana@example.org", "agent", "Ana Agent")
    client = app.test_client()
    assert login(client, "ana@example.org").status_code == 302
    return client


def item_url(kind: str, key: str, **extra: str) -> str:
    from urllib.parse import urlencode

    return "/agent/worklist/item?" + urlencode({"kind": kind, "key": key, **extra})


def act(client: FlaskClient, page: str, action: str, **data: Any) -> Any:
    """Submit one of an item page's forms the way a browser does (token and hidden fields
    taken from the page)."""
    html = client.get(page).get_data(as_text=True)
    form = re.search(rf'<form method="post" action="/agent/worklist/{action}"(.*?)</form>',
                     html, re.S)
    assert form, f"no {action} form on {page}"
    fields = dict(re.findall(r'name="(csrf_token|kind|key|days)"[^>]*value="([^"]*)"',
                             form.group(1)))
    return client.post(f"/agent/worklist/{action}", data={**fields, **data})


def top_hit(client: FlaskClient, q: str) -> tuple[int | None, bool]:
    with client.application.test_request_context():
        results = search_index().search(q)
    return (results.hits[0].id if results.hits else None), results.confident


def test_three_searches_are_one_group_and_a_synonym_fixes_them(app: Flask, lead: FlaskClient,
                                                               client: FlaskClient) -> None:
    assert top_hit(client, MADE_UP[0]) != (OUTLOOK, True)
    for q in MADE_UP:
        client.get("/search", query_string={"q": q})
    html = lead.get("/agent/worklist?days=7").get_data(as_text=True)
    assert html.count("Searches for “") == 1, html
    assert "3 searches found only weak matches" in html
    page = item_url("search", "flurbo open", days="7")
    assert 'href="/agent/worklist/item?kind=search&amp;key=flurbo+open&amp;days=7"' in html
    item = lead.get(page).get_data(as_text=True)
    assert 'value="flurbo"' in item  # the word no article uses, ready as the synonym
    r = act(lead, page, "synonym", words="flurbo", means="outlook")
    assert r.status_code == 302, r.get_data(as_text=True)
    assert "Done. Searches for" in lead.get(r.location).get_data(as_text=True)
    # The same search, in the same process, straight away: the article, confidently.
    assert top_hit(client, MADE_UP[0]) == (OUTLOOK, True)
    found = client.get("/search", query_string={"q": MADE_UP[1]}).get_data(as_text=True)
    assert found.index("Outlook won&#39;t open") < found.index("</ol>")
    assert "flurbo open" not in lead.get("/agent/worklist?days=7").get_data(as_text=True)
    done = lead.get("/agent/worklist?view=closed").get_data(as_text=True)
    assert "Added a synonym" in done and "“flurbo” also finds “outlook”" in done
    words = lead.get("/agent/worklist/search-words").get_data(as_text=True)
    assert "Searches for “flurbo” also find “outlook”" in words


def test_a_closed_group_comes_back_when_people_still_find_nothing(app: Flask,
                                                                  lead: FlaskClient) -> None:
    person = app.test_client()
    person.get("/search?q=zorbquix+plimber")
    page = item_url("search", "plimber zorbquix")
    assert act(lead, page, "close", how="nothing", close_note="Spam").status_code == 302
    assert "zorbquix" not in lead.get("/agent/worklist").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(select(WorklistItem))
        assert row is not None and row.state == "closed" and row.note == "Spam"
        row.closed_at = utcnow() - timedelta(minutes=5)  # closed a while ago …
        db.session.commit()
    person.get("/search?q=zorbquix+plimber")  # … and it happened again since
    html = lead.get("/agent/worklist").get_data(as_text=True)
    assert "zorbquix" in html and "Back after it was closed" in html


def test_a_pin_puts_the_article_first_and_can_be_removed(app: Flask, lead: FlaskClient,
                                                         client: FlaskClient) -> None:
    client.get("/search?q=my+quibbix+is+broken")
    page = item_url("search", "broken quibbix")
    r = act(lead, page, "pin", pin_article="KB-105")  # internal: refused
    assert r.status_code == 400 and "public article" in r.get_data(as_text=True)
    assert act(lead, page, "pin", pin_article="KB-11").status_code == 302
    assert top_hit(client, "my quibbix is broken") == (11, True)
    with app.app_context():
        override = db.session.scalar(select(SearchOverride))
        assert override is not None and override.article_id == 11
    words = lead.get("/agent/worklist/search-words").get_data(as_text=True)
    token = token_from(words)
    r = lead.post(f"/agent/worklist/search-words/{override.id}/remove",
                  data={"csrf_token": token})
    assert r.status_code == 302
    assert top_hit(client, "my quibbix is broken")[0] != 11 or \
        not top_hit(client, "my quibbix is broken")[1]
    assert lead.post(f"/agent/worklist/search-words/{override.id}/remove",
                     data={"csrf_token": token}).status_code == 404


def test_a_wizard_drop_out_shows_on_the_worklist(app: Flask, lead: FlaskClient) -> None:
    person = app.test_client()
    r = person.post("/wizards/printer/describe", data={
        "csrf_token": csrf_token(person, "/wizards/printer"), "answer": "Nothing comes out"})
    assert r.location == "/wizards/printer/screen"
    person.get("/wizards/printer/screen")  # they read the question, and leave
    with app.app_context():
        for event in db.session.scalars(select(WizardEvent)):  # an hour has gone by
            event.created_at -= timedelta(hours=1)
        db.session.commit()
    html = lead.get("/agent/worklist?kind=drop-out").get_data(as_text=True)
    assert "My printer won&#39;t print: step “What does the printer&#39;s small screen" in html
    assert "1 person left here of 1 who reached it" in html
    assert lead.get(item_url("drop-out", "printer/screen")).status_code == 200


def test_votes_flags_stale_reviews_and_ticket_clusters(app: Flask, lead: FlaskClient) -> None:
    agent_id = make_agent(app, "ana@example.org", "agent", "Ana Agent")
    with app.app_context():
        db.session.add_all([
            Feedback(article_id=3, helpful=False, reason="The menu is not there on my Mac"),
            Feedback(article_id=3, helpful=False, reason=None),
            Feedback(article_id=3, helpful=True),
            ArticleFlag(article_id=5, reason="outdated", note="The portal moved",
                        agent_id=agent_id),
        ])
        db.session.commit()
        stale = next(a for a in library().visible(include_internal=True)
                     if a.review_due is not None)
    ids = []
    for summary in ("Scanner makes a grinding noise", "scanner makes grinding noises",
                    "Grinding noise from the scanner"):
        with app.test_request_context():
            from kb.tickets.service import summary_words

            ids.append(make_ticket(app, summary=summary, summary_words=summary_words(summary)))
    html = lead.get("/agent/worklist").get_data(as_text=True)
    assert "2 No votes, 1 Yes vote" in html and "The menu is not there on my Mac" in html
    assert "1 open flag" in html and "Out of date: The portal moved" in html
    assert "3 tickets with these words and no linked article" in html
    assert html.index("Tickets like") < html.index("Searches for") if "Searches for" in html \
        else True
    # A ticket that gets an article leaves the cluster.
    with app.app_context():
        db.session.add(TicketArticle(ticket_id=ids[0], article_id=11))
        db.session.commit()
    assert "2 tickets with these words" in lead.get("/agent/worklist").get_data(as_text=True)
    # Closing the flag item marks the article's flags done.
    assert act(lead, item_url("flag", "5"), "close", how="edited").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ArticleFlag)).open is False  # type: ignore[union-attr]
    # A stale article (its review date moved into the past) shows with its owner.
    stale.reviewed = utcnow().date() - timedelta(days=stale.review_every + 3)
    try:
        html = lead.get("/agent/worklist?kind=stale").get_data(as_text=True)
        assert f"KB-{stale.id} {stale.title}" in html and f"Owner: {stale.owner}" in html
    finally:
        stale.reviewed = utcnow().date()


def test_assign_and_snooze(app: Flask, lead: FlaskClient) -> None:
    ana = make_agent(app, "ana@example.org", "agent", "Ana Agent")
    app.test_client().get("/search?q=glorptastic+widget")
    page = item_url("search", "glorptast widget")
    if lead.get(page).status_code != 200:  # the stems depend on the analyser
        with app.app_context():
            key = db.session.scalar(select(SearchLog.normalised))
        page = item_url("search", str(key))
    assert act(lead, page, "assign", assignee=str(ana)).status_code == 302
    assert '<dd id="item-assignee">Ana Agent</dd>' in lead.get(page).get_data(as_text=True)
    ana_client = app.test_client()
    login(ana_client, "ana@example.org")
    assert "glorptastic" in ana_client.get("/agent/worklist?view=mine").get_data(as_text=True)
    past = (utcnow().date() - timedelta(days=1)).isoformat()
    r = act(lead, page, "snooze", until=past)
    assert r.status_code == 400 and "after today" in r.get_data(as_text=True)
    until = (utcnow().date() + timedelta(days=7)).isoformat()
    assert act(lead, page, "snooze", until=until).status_code == 302
    assert "glorptastic" not in lead.get("/agent/worklist").get_data(as_text=True)
    assert "glorptastic" in lead.get("/agent/worklist?view=snoozed").get_data(as_text=True)
    with app.app_context():  # the day comes
        row = db.session.scalar(select(WorklistItem))
        assert row is not None
        row.snoozed_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert "glorptastic" in lead.get("/agent/worklist").get_data(as_text=True)


def test_agents_read_leads_act_anonymous_signs_in(app: Flask, agent: FlaskClient,
                                                  client: FlaskClient) -> None:
    client.get("/search?q=snorfle+gadget")
    assert client.get("/agent/worklist").status_code == 302
    assert client.get("/agent/worklist").location.startswith("/agent/login")
    html = agent.get("/agent/worklist").get_data(as_text=True)
    assert agent.get("/agent/worklist").status_code == 200 and "snorfle" in html
    with app.app_context():
        key = db.session.scalar(select(SearchLog.normalised))
    page = item_url("search", str(key))
    item = agent.get(page).get_data(as_text=True)
    assert "Only leads can" in item and 'action="/agent/worklist/synonym"' not in item
    assert agent.get("/agent/worklist/search-words").status_code == 200
    token = token_from(agent.get("/agent/").get_data(as_text=True))
    for action, extra in (("synonym", {"words": "snorfle", "means": "printer"}),
                          ("close", {"how": "nothing"}), ("assign", {"assignee": "0"})):
        r = agent.post(f"/agent/worklist/{action}",
                       data={"csrf_token": token, "kind": "search", "key": key, **extra})
        assert r.status_code == 403, action
    assert agent.get("/agent/insights").status_code == 403  # the insights stay the leads'
    with app.app_context():
        assert db.session.scalar(select(SearchOverride)) is None
        assert db.session.scalar(select(WorklistItem)) is None


def test_csrf_and_bad_input(app: Flask, lead: FlaskClient) -> None:
    app.test_client().get("/search?q=snorfle+gadget")
    with app.app_context():
        key = str(db.session.scalar(select(SearchLog.normalised)))
    r = lead.post("/agent/worklist/close", data={"kind": "search", "key": key, "how": "nothing"})
    assert r.status_code == 400  # no CSRF token
    token = token_from(lead.get("/agent/").get_data(as_text=True))
    bad = [{"kind": "nope", "key": key, "how": "nothing"},
           {"kind": "search", "key": "no such words", "how": "nothing"},
           {"kind": "search", "key": "x" * 201, "how": "nothing"},
           {"kind": "flag", "key": "99999", "how": "nothing"},
           {"kind": "flag", "key": "٣", "how": "nothing"},
           {"kind": "drop-out", "key": "printer/nowhere", "how": "nothing"},
           {"kind": "ticket-cluster", "key": "nothing like it", "how": "nothing"},
           {"kind": "search", "key": key, "how": "synonym"},  # needs its own form
           {"kind": "search", "key": key, "how": "nothing", "days": "8"}]
    for data in bad:
        r = lead.post("/agent/worklist/close", data={"csrf_token": token, **data})
        assert r.status_code == 400, data
    r = lead.post("/agent/worklist/synonym", data={"csrf_token": token, "kind": "flag",
                                                   "key": "5", "words": "a", "means": "b"})
    assert r.status_code == 400
    for words, means in (("the", "printer"), ("printer", "printer"), ("<b>x</b>", "printer"),
                         ("one two three four five six seven", "printer")):
        r = lead.post("/agent/worklist/synonym", data={
            "csrf_token": token, "kind": "search", "key": key, "words": words, "means": means})
        assert r.status_code == 400, words
    for query in ("days=8", "view=everything", "kind=nope", "from=2026-13-01"):
        assert lead.get(f"/agent/worklist?{query}").status_code == 400, query
    assert lead.get(item_url("search", "no such words")).status_code == 404
    assert lead.get(item_url("nope", "x")).status_code == 404
    assert lead.get("/agent/worklist/item").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(WorklistItem)) is None
        assert db.session.scalar(select(Ticket)) is None


def test_flask_kb_check_lists_and_checks_the_overrides(app: Flask) -> None:
    from kb.core import search_overrides

    runner = app.test_cli_runner()
    clean = runner.invoke(args=["kb", "check"])
    assert "Search overrides made from the worklist: 0." in clean.output
    with app.app_context():
        search_overrides.add_synonym("flurbo", "outlook", None)
        search_overrides.add_pin("broken quibbix", 11, None)
        db.session.add_all([SearchOverride(kind="pin", words="staff only", article_id=100),
                            SearchOverride(kind="pin", words="gone", article_id=99999),
                            SearchOverride(kind="synonym", words="the", means="<b>x</b>")])
        db.session.commit()
    result = runner.invoke(args=["kb", "check"])
    out = result.output
    assert "Search overrides made from the worklist: 5." in out
    assert "synonym #1: 'flurbo' also finds 'outlook'" in out
    assert "pin #2: searches for 'broken quibbix' show KB-11 first" in out
    assert "search_override#3:1:1: error: pinned article KB-100 is internal" in out
    assert "search_override#4:1:1: error: pinned article KB-99999 does not exist" in out
    assert "search_override#5:1:1: error: 'the': Use a word that means something" in out
    assert "'<b>x</b>': Use letters, digits and spaces only" in out
    assert result.exit_code == 1 and clean.exit_code == 0, clean.output
    with app.app_context():
        for override_id in (3, 4, 5):
            search_overrides.remove(override_id, None)
        db.session.commit()
    assert runner.invoke(args=["kb", "check"]).exit_code == 0
