"""The search page, the API and agent lookup saying how sure they are, and the general
question routing: security first, one clear wizard, else a pick-list that keeps the words."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb.extensions import db
from kb.models import SearchLog, WizardRun
from tests.conftest import csrf_token
from tests.web.agent_helpers import login, make_agent, make_ticket


def test_api_says_whether_it_is_confident(client: FlaskClient) -> None:
    sure = client.get("/api/v1/search?q=printer+says+offline").get_json()
    assert sure["confident"] is True and sure["results"][0]["id"] == "KB-5"
    unsure = client.get("/api/v1/search?q=my+stapler+is+jammed").get_json()
    assert unsure["confident"] is False and unsure["total_all"] >= unsure["total"]
    assert client.get("/api/v1/search?q=KB-42").get_json()["results"][0]["id"] == "KB-42"


def test_a_weak_match_is_said_to_be_weak_with_the_way_to_a_person_first(
        app: Flask, client: FlaskClient) -> None:
    html = client.get("/search?q=my+stapler+is+jammed").get_data(as_text=True)
    assert "We may not have an article for" in html
    ask = html.index('href="/ask?q=my+stapler+is+jammed"')
    assert ask < html.index("These might help")
    assert 'action="/wizards/start"' in html and ">my stapler is jammed</textarea>" in html
    with app.app_context():
        log = db.session.scalars(select(SearchLog)).one()
        assert log.confident is False


def test_a_good_match_lists_few_results_and_offers_all(client: FlaskClient) -> None:
    html = client.get("/search?q=printer+says+offline").get_data(as_text=True)
    assert "1 article found" in html and "Show all" in html
    every = client.get("/search?q=printer+says+offline&show=all").get_data(as_text=True)
    assert every.count('class="result"') > 1


def test_did_you_mean_links_to_what_was_typed(client: FlaskClient) -> None:
    html = client.get("/search?q=priner+offline").get_data(as_text=True)
    assert "Showing results for <strong>printer offline</strong>" in html
    assert "exact=1" in html
    exact = client.get("/search?q=priner+offline&exact=1").get_data(as_text=True)
    assert "Showing results for" not in exact


def test_a_password_typed_into_search_is_not_logged(app: Flask, client: FlaskClient) -> None:
    client.get("/search?q=vpn+password+is+Hunter2Secret!")
    with app.app_context():
        assert "Hunter2Secret" not in db.session.scalars(select(SearchLog)).one().text


def test_agents_find_articles_and_tickets_by_what_is_read_out(app: Flask,
                                                              client: FlaskClient) -> None:
    make_agent(app)
    login(client)
    ticket_id = make_ticket(app)
    r = client.get(f"/agent/?q=HD-{ticket_id:06d}")
    assert r.status_code == 302 and r.location.endswith(f"/agent/tickets/{ticket_id}")
    assert "KB-5" in client.get("/agent/?q=5").get_data(as_text=True)
    found = client.get("/agent/api/search?q=KB+100").get_json()["results"]
    assert found[0]["number"] == 100 and found[0]["internal"] is True
    assert client.get("/agent/?q=HD-999999").status_code == 200  # no such ticket: a search


def start(client: FlaskClient, text: str) -> str:
    r = client.post("/wizards/start", data={"csrf_token": csrf_token(client, "/wizards"),
                                            "problem": text})
    return str(r.location)


def test_security_comes_first(client: FlaskClient) -> None:
    where = start(client, "I think I clicked a bad link in an email")
    assert where.startswith("/wizards/security")
    html = client.get(where).get_data(as_text=True)
    assert "call us now" in html and "Extension 4000" in html and "KB-44" in html
    assert start(client, "my work laptop was stolen from my car").startswith("/wizards/security")


def test_a_clear_winner_goes_straight_in(client: FlaskClient) -> None:
    assert start(client, "printer says offline").startswith("/wizards/printer/")
    assert start(client, "my laptop won't charge when the adapter is connected").startswith(
        "/wizards/laptop-not-charging/")


def test_no_clear_winner_offers_a_pick_list_that_keeps_the_words(app: Flask,
                                                                 client: FlaskClient) -> None:
    where = start(client, "screen and keyboard both dead")
    assert where.startswith("/wizards?nomatch=1")
    html = client.get(where).get_data(as_text=True)
    assert "Which of these fits best?" in html
    assert 'action="/wizards/choose/keyboard-mouse"' in html
    r = client.post("/wizards/choose/keyboard-mouse",
                    data={"csrf_token": csrf_token(client, where)})
    assert r.location.startswith("/wizards/keyboard-mouse/")  # past the open question
    with app.app_context():
        run = db.session.scalars(select(WizardRun).where(
            WizardRun.wizard_id == "keyboard-mouse")).one()
        first = run.state["answers"][run.state["path"][0]]
        assert first["kind"] == "open" and first["value"] == "screen and keyboard both dead"


def test_absolute_links_come_from_base_url_not_the_host_header(client: FlaskClient) -> None:
    got = client.get("/api/v1/search?q=printer+offline",
                     headers={"Host": "evil.example.com"}).get_json()
    assert got["results"][0]["url"].startswith("http://localhost/articles/")
    page = client.get("/articles/5", headers={"Host": "evil.example.com"},
                      follow_redirects=True).get_data(as_text=True)
    assert "evil.example.com" not in page


def test_agents_find_tickets_and_people_by_name_email_or_words(app: Flask,
                                                                client: FlaskClient) -> None:
    make_agent(app)
    login(client)
    ticket_id = make_ticket(app, summary="Printer on floor 3 jams", name="Priya Patel",
                            email="priya.patel@example.org")
    for q in ("Priya", "priya.patel@example.org", "printer floor jams"):
        html = client.get("/agent/", query_string={"q": q}).get_data(as_text=True)
        assert f"HD-{ticket_id:06d}" in html, q
    html = client.get("/agent/?q=priya").get_data(as_text=True)
    assert 'id="people-h"' in html and "priya.patel@example.org" in html
    assert 'id="tickets-h"' not in client.get("/agent/?q=zzqx").get_data(as_text=True)
