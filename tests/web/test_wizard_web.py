"""Running wizards through the Flask test client: restate and Change, resume, Start again,
the general entry, broken files, escaping, ownership of runs and the funnel events."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb.config import ROOT
from kb.extensions import db
from kb.models import Outage, WizardEvent, WizardRun
from kb.wizards import handoff_payload
from tests.conftest import csrf_token


def post(client: FlaskClient, url: str, **data: str) -> Any:
    """Submit the form on ``url`` the way a browser would (GET it, then POST with its token)."""
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def printer_to_handoff(client: FlaskClient, words: str = "Nothing comes out at all") -> str:
    """Open answer → "nothing happens" → other printer (no) → "only me" → summary page."""
    # The open question is shown at /wizards/<id>; its form posts to its node.
    r = client.post("/wizards/printer/describe",
                    data={"csrf_token": csrf_token(client, "/wizards/printer"), "answer": words})
    assert r.location == "/wizards/printer/screen"
    r = post(client, "/wizards/printer/screen", answer="3")
    assert r.location == "/wizards/printer/other-printer"
    r = post(client, "/wizards/printer/other-printer", answer="no")
    assert r.location == "/wizards/printer/who-else"
    r = post(client, "/wizards/printer/who-else", answer="1")
    assert r.location == "/wizards/printer/handoff"
    return str(r.location)


def last_run() -> WizardRun:
    run = db.session.scalar(select(WizardRun).order_by(WizardRun.id.desc()))
    assert run is not None
    return run


def test_restate_page_and_change_round_trip(app: Flask) -> None:
    client = app.test_client()
    printer_to_handoff(client)
    html = client.get("/wizards/printer/handoff").get_data(as_text=True)
    assert "Here's what we understood" in html
    assert "You told us: “Nothing comes out at all”" in html
    assert "Nothing happens and there is no message." in html
    assert "You tried: Print on another printer for now. It did not work." in html
    assert "Other people can print; it is only you." in html
    assert 'href="/wizards/printer/who-else?change=1"' in html
    # Change an answer that leads the same way: straight back to the summary.
    page = client.get("/wizards/printer/who-else?change=1").get_data(as_text=True)
    assert 'href="/wizards/printer/handoff">Back' in page
    assert '<input checked id="answer-1"' in page
    r = post(client, "/wizards/printer/who-else?change=1", answer="0")
    assert r.location == "/wizards/printer/handoff"
    html = client.get(r.location).get_data(as_text=True)
    assert "Nobody can print to this printer." in html
    assert "it is only you" not in html
    # Change the open answer too: its route is the same, so back to the summary again.
    r = post(client, "/wizards/printer/describe?change=1", answer="It just sits there")
    assert r.location == "/wizards/printer/handoff"
    assert "“It just sits there”" in client.get(r.location).get_data(as_text=True)
    with client:
        r = post(client, "/wizards/printer/handoff")
        run = last_run()
        assert r.location == f"/ask?run={run.key}"
        payload = handoff_payload(run.key)
    assert payload is not None
    assert payload["summary"] == "It just sits there"
    assert payload["impact"] == "team"  # from "Nobody can print"
    assert payload["urgency"] == "normal"
    assert payload["category"] == "printing"
    assert payload["tried"] == ["Print on another printer for now"]
    assert [t["kind"] for t in payload["transcript"]] == ["open", "choice", "step", "choice"]
    assert payload["transcript"][3] == {"question": "Can other people print to this printer?",
                                        "answer": "No, nobody can print to it",
                                        "kind": "choice"}
    with app.app_context():
        assert last_run().outcome == "handoff"


def test_change_to_a_different_answer_takes_the_new_path(app: Flask) -> None:
    client = app.test_client()
    printer_to_handoff(client)
    r = post(client, "/wizards/printer/screen?change=1", answer="0")
    assert r.location == "/wizards/printer/offline-restart"
    # The old branch is gone: going to the summary now lands on the current question.
    assert client.get("/wizards/printer/handoff").location == "/wizards/printer/offline-restart"


def test_handoff_payload_belongs_to_its_browser_only(app: Flask) -> None:
    owner = app.test_client()
    printer_to_handoff(owner)
    with app.app_context():
        key = last_run().key
    stranger = app.test_client()
    with stranger:
        stranger.get("/wizards")
        assert handoff_payload(key) is None
        assert handoff_payload("not-a-key") is None
    with owner:
        owner.get("/wizards")
        assert handoff_payload(key) is not None


def test_reload_and_return_resume_the_run(app: Flask) -> None:
    client = app.test_client()
    post(client, "/wizards/printer", answer="Nothing comes out")
    client.post("/wizards/printer/describe", data={
        "csrf_token": csrf_token(client, "/wizards/printer"), "answer": "Nothing comes out"})
    assert client.get("/wizards/printer").location == "/wizards/printer/screen"
    html = client.get("/wizards/printer/screen").get_data(as_text=True)
    assert "Question 2" in html
    assert 'href="/wizards/printer/describe">Back' in html
    # A node not on this run's path sends you to where you are.
    assert client.get("/wizards/printer/done").location == "/wizards/printer/screen"


def test_start_again_records_an_abandoned_run(app: Flask) -> None:
    client = app.test_client()
    client.post("/wizards/printer/describe", data={
        "csrf_token": csrf_token(client, "/wizards/printer"), "answer": "Nothing comes out"})
    r = client.post("/wizards/printer/start-again",
                    data={"csrf_token": csrf_token(client, "/wizards/printer/screen")})
    assert r.location == "/wizards/printer"
    assert "Question 1" in client.get("/wizards/printer").get_data(as_text=True)
    with app.app_context():
        run = last_run()
        assert run.outcome == "abandoned"
        kinds = db.session.scalars(select(WizardEvent.kind).where(
            WizardEvent.run_id == run.id).order_by(WizardEvent.id)).all()
    assert kinds == ["visit", "answer", "visit", "abandon"]


def test_starting_another_wizard_abandons_the_first(app: Flask) -> None:
    client = app.test_client()
    client.post("/wizards/printer/describe", data={
        "csrf_token": csrf_token(client, "/wizards/printer"), "answer": "Nothing comes out"})
    client.post("/wizards/wifi/describe", data={
        "csrf_token": csrf_token(client, "/wizards/wifi"), "answer": "No internet"})
    with app.app_context():
        runs = db.session.scalars(select(WizardRun).order_by(WizardRun.id)).all()
        assert [(r.wizard_id, r.outcome) for r in runs] == [("printer", "abandoned"),
                                                            ("wifi", None)]


def test_general_entry_routes_to_the_best_wizard(client: FlaskClient) -> None:
    r = client.post("/wizards/start", data={"csrf_token": csrf_token(client, "/wizards"),
                                            "problem": "My screen is black"})
    assert r.location == "/wizards/monitor/light"
    html = client.get(r.location).get_data(as_text=True)
    assert "Question 2" in html and "How do I check?" in html
    r = client.post("/wizards/start", data={"csrf_token": csrf_token(client, "/"),
                                            "problem": "people can't hear me in teams"})
    assert r.location == "/wizards/video-calls/mic"


def test_general_entry_without_a_match_shows_articles_and_the_list(client: FlaskClient) -> None:
    r = client.post("/wizards/start", data={"csrf_token": csrf_token(client, "/wizards"),
                                            "problem": "zxqv <script>alert(1)</script>"})
    assert r.location.startswith("/wizards?nomatch=1")
    html = client.get(r.location).get_data(as_text=True)
    assert "We could not pick a guide for that" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "My printer won't print" in html or "My printer won&#39;t print" in html


def test_empty_answers_show_an_error_summary(client: FlaskClient) -> None:
    r = client.post("/wizards/start", data={"csrf_token": csrf_token(client, "/wizards"),
                                            "problem": ""})
    html = r.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#problem"' in html
    client.post("/wizards/printer/describe", data={
        "csrf_token": csrf_token(client, "/wizards/printer"), "answer": "Nothing comes out"})
    html = post(client, "/wizards/printer/screen").get_data(as_text=True)
    assert "There is a problem" in html and 'href="#answer-0">Choose one answer.' in html
    html = post(client, "/wizards/printer/screen", answer="99").get_data(as_text=True)
    assert "Choose one of the answers." in html


def test_missing_csrf_token_is_refused(client: FlaskClient) -> None:
    assert client.post("/wizards/start", data={"problem": "printer"}).status_code == 400
    assert client.post("/wizards/printer/describe", data={"answer": "x"}).status_code == 400


def test_script_in_an_open_answer_is_shown_as_text(app: Flask) -> None:
    client = app.test_client()
    printer_to_handoff(client, words='<script>alert("x")</script><img src=x onerror=alert(1)>')
    html = client.get("/wizards/printer/handoff").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    back = client.get("/wizards/printer/describe").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;</textarea>" in back


def test_a_broken_wizard_is_unavailable_and_the_rest_works(app_factory: Any,
                                                           tmp_path: Path) -> None:
    folder = tmp_path / "wizards"
    shutil.copytree(ROOT / "wizards", folder)
    (folder / "broken.yml").write_text("id: broken\ntitle: Broken guide\nnodes: [oops\n")
    app = app_factory(WIZARDS_DIR=str(folder))
    client = app.test_client()
    html = client.get("/wizards").get_data(as_text=True)
    assert "This guide is not available right now" in html
    assert 'href="/wizards/printer"' in html
    r = client.get("/wizards/broken")
    assert r.status_code == 503
    assert "This guide is not available right now" in r.get_data(as_text=True)
    assert client.get("/wizards/printer").status_code == 200
    assert client.get("/").status_code == 200
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "check"])
    assert re.search(r"broken\.yml:\d+:\d+: error: the YAML cannot be read", result.output)


def test_edited_wizard_files_are_reloaded(app_factory: Any, tmp_path: Path) -> None:
    folder = tmp_path / "wizards"
    shutil.copytree(ROOT / "wizards", folder)
    app = app_factory(WIZARDS_DIR=str(folder))
    client = app.test_client()
    assert "My printer won" in client.get("/wizards").get_data(as_text=True)
    path = folder / "printer.yml"
    path.write_text(path.read_text().replace("title: My printer won't print",
                                             "title: Printing trouble"))
    assert "Printing trouble" in client.get("/wizards").get_data(as_text=True)


def test_outage_banner_shows_on_a_matching_wizard(app: Flask) -> None:
    with app.app_context():
        db.session.add(Outage(title="Printers on floor 2 are down", message="We are on it.",
                              keywords="printer,printing"))
        db.session.commit()
    client = app.test_client()
    assert "Printers on floor 2 are down" in client.get("/wizards/printer").get_data(as_text=True)
    assert "Printers on floor 2" not in client.get("/wizards/wifi").get_data(as_text=True)


def test_goto_carries_the_open_answer_into_the_other_wizard(app: Flask) -> None:
    client = app.test_client()
    r = client.post("/wizards/slow-computer/describe", data={
        "csrf_token": csrf_token(client, "/wizards/slow-computer"),
        "answer": "Everything takes ages"})
    assert r.location == "/wizards/slow-computer/what"
    r = post(client, "/wizards/slow-computer/what", answer="2")
    assert r.location == "/wizards/wifi/icon"
    back = client.get("/wizards/wifi/describe").get_data(as_text=True)
    assert "Everything takes ages</textarea>" in back
    with app.app_context():
        runs = db.session.scalars(select(WizardRun).order_by(WizardRun.id)).all()
        assert [(r.wizard_id, r.outcome) for r in runs] == [("slow-computer", "goto"),
                                                            ("wifi", None)]


def test_home_page_has_the_open_question(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "What's going wrong?" in html
    assert 'action="/wizards/start"' in html


def test_what_the_open_answer_says_is_not_asked_again(client: FlaskClient) -> None:
    """"The light is orange" answers the light question: it is skipped, and the summary says
    "You told us" with a Change link back to it."""
    r = client.post("/wizards/start", data={"csrf_token": csrf_token(client, "/wizards"),
                                            "problem": "My screen is black, the light is orange"})
    assert r.location == "/wizards/monitor/asleep"
    page = client.get("/wizards/monitor/light?change=1").get_data(as_text=True)
    assert '<input checked id="answer-0"' in page  # the answer taken from their words
    r = post(client, "/wizards/monitor/asleep", answer="no")
    while r.location and not r.location.endswith("/handoff"):
        node = r.location.rsplit("/", 1)[1]
        html = client.get(r.location).get_data(as_text=True)
        answer = "no" if 'value="no"' in html else "1"
        r = post(client, f"/wizards/monitor/{node}", answer=answer)
    summary = client.get(r.location).get_data(as_text=True)
    assert "You told us: The screen&#39;s power light is yellow or orange." in summary
    assert 'href="/wizards/monitor/light?change=1"' in summary


def test_a_told_answer_needs_exactly_one_option() -> None:
    from kb.wizards.engine import told
    from kb.wizards.model import Node, Option

    node = Node(id="light", type="choice", options=[
        Option("Orange", "a", words=("orange light",)), Option("Green", "b", words=("green",)),
        Option("I'm not sure", "c", words=("orange light",))])
    assert told(node, "the orange light is on") == 0
    assert told(node, "an orange light and a green one") is None  # both: ask
    assert told(node, "the screen is black") is None


def test_the_ticket_form_never_suggests_an_article_that_failed(client: FlaskClient) -> None:
    """Printer offline → restart (no) → KB-5 (no) → … → hand-off: the form suggests articles
    for "printer offline", but not KB-5, which they said did not work."""
    r = client.post("/wizards/printer/describe", data={
        "csrf_token": csrf_token(client, "/wizards/printer"), "answer": "printer says offline"})
    assert r.location == "/wizards/printer/offline-restart"
    for node, answer in (("offline-restart", "no"), ("offline-article", "no"),
                         ("other-printer", "no"), ("who-else", "1")):
        r = post(client, f"/wizards/printer/{node}", answer=answer)
    r = post(client, "/wizards/printer/handoff")
    assert r.location.startswith("/ask?run=")
    run = r.location.split("run=")[1]
    form = client.get(r.location).get_data(as_text=True)
    suggested = form.split('id="suggestions-live"')[1].split("</div>")[0]
    assert "KB-5<" not in suggested
    assert "Back button" not in form
    live = client.get(f"/ask/suggestions?q=printer+says+offline&run={run}").get_json()
    assert "KB-5" not in [a["id"] for a in live["results"]]
    assert "KB-5" in [a["id"] for a in client.get(
        "/ask/suggestions?q=printer+says+offline").get_json()["results"]]
