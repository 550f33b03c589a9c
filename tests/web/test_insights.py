"""/agent/insights: leads only, every panel's CSV parses, the period picker refuses bad input
with a 400, a wizard drop-out shows in the funnel, and the self-service score of a small
hand-made history is exactly the value worked out by hand."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.config import ROOT
from kb.core.sqltime import monday, week_number
from kb.extensions import db
from kb.insights.panels import PANELS, SECTIONS
from kb.insights.period import Period, parse_period
from kb.insights.selfservice import score
from kb.models import ArticleView, ScoreWeek, SearchLog, Ticket, WizardEvent, utcnow
from kb.tickets.service import NewTicket, create_ticket
from tests.conftest import csrf_token
from tests.web.agent_helpers import lead_client, login, make_agent
from tests.web.test_wizard_web import printer_to_handoff
from tests.web.tickets_helpers import ticket_data


@pytest.fixture
def lead(app: Flask) -> FlaskClient:
    return lead_client(app)


def rows_of(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_leads_only(app: Flask, client: FlaskClient) -> None:
    r = client.get("/agent/insights?days=7")
    assert r.status_code == 302 and r.location.startswith("/agent/login")
    assert client.get("/agent/insights?format=csv&panel=top-queries").status_code == 302
    make_agent(app, "ana@example.org", "agent")
    login(client, "ana@example.org")
    assert client.get("/agent/insights").status_code == 403
    assert client.get("/agent/insights?format=csv&panel=score-week").status_code == 403
    assert "Insights</a>" not in client.get("/agent/").get_data(as_text=True)


def test_lead_sees_every_section_and_the_nav_link(lead: FlaskClient) -> None:
    html = lead.get("/agent/insights").get_data(as_text=True)
    for _sid, (title, _build) in SECTIONS.items():
        assert f">{title}</h2>" in html
    assert "How it is counted" in html and "÷ people who sent a ticket" in html
    assert 'href="/agent/insights"' in lead.get("/agent/").get_data(as_text=True)
    assert "style=" not in html and "<script>" not in html  # the CSP allows neither


def test_every_panel_downloads_as_csv_with_its_columns(app: Flask, lead: FlaskClient) -> None:
    lead.get("/search?q=printer+offline")
    lead.get("/search?q=zzqx+blorfing")
    with app.test_request_context():
        period = parse_period({"days": "30"}, utcnow().date())
        from kb.wizards.registry import all_wizards

        built = {sid: build(period, dict(all_wizards())) for sid, (_t, build)
                 in SECTIONS.items()}
    for panel, sid in PANELS.items():
        table = built[sid].table(panel)
        assert table is not None, panel
        rows = rows_of(lead.get(f"/agent/insights?days=30&format=csv&panel={panel}"))
        assert rows[0] == table.columns, panel
        assert all(len(r) == len(table.columns) for r in rows), panel
    html = lead.get("/agent/insights?days=7").get_data(as_text=True)
    assert "<dt>Searches</dt><dd>2</dd>" in html and "<dt>Found nothing</dt><dd>50%</dd>" in html
    got = rows_of(lead.get("/agent/insights?days=7&format=csv&panel=no-results"))
    assert ["zzqx blorfing", "blorf zzqx", "1"] in got
    r = lead.get("/agent/insights?days=7&format=csv&panel=no-results")
    assert "attachment;" in r.headers["Content-Disposition"]
    assert r.headers["Cache-Control"] == "no-store"


def test_typed_text_cannot_become_a_spreadsheet_formula(app: Flask, lead: FlaskClient) -> None:
    lead.get("/search?q=%3DHYPERLINK(%22http://x%22)")
    rows = rows_of(lead.get("/agent/insights?days=7&format=csv&panel=top-queries"))
    assert any(r[0].startswith("'=HYPERLINK") for r in rows[1:]), rows


@pytest.mark.parametrize("query", [
    "days=8", "days=abc", "days=-7", "days=9999999999999999999", "from=2026-13-01",
    "from=yesterday", "from=2026-11-30&to=2026-11-01", "from=2024-01-01&to=2026-01-01",
    "from=1999-12-31", "from=2999-01-01", "from=2026-1-1", "format=xml",
    "format=csv&panel=nope", "format=csv", "days=7&format=csv&panel=",
    "days=7&format=csv&panel=__class__"])
def test_bad_periods_and_panels_are_400(lead: FlaskClient, query: str) -> None:
    r = lead.get(f"/agent/insights?{query}")
    assert r.status_code == 400, query
    assert "There is a problem" in r.get_data(as_text=True)


def test_period_bounds() -> None:
    today = date(2026, 12, 2)
    p = parse_period({"days": "7"}, today)
    assert (p.first, p.last, p.days) == (date(2026, 11, 26), today, 7)
    assert p.end - p.start == timedelta(days=7)
    p = parse_period({"from": "2026-11-01", "to": "2026-11-30"}, today)
    assert p.days == 30 and p.args() == {"from": "2026-11-01", "to": "2026-11-30"}
    assert parse_period({"from": "2026-11-01", "to": "2027-01-01"}, today).last == today
    assert parse_period({}, today).days == 30
    assert parse_period({"from": "2025-10-29", "to": "2026-12-02"}, today).days == 400
    assert [monday(w) for w in (p.weeks()[0], p.weeks()[-1])] == [date(2026, 10, 26),
                                                                   date(2026, 11, 30)]
    assert all(monday(week_number(d)) == d - timedelta(days=d.weekday())
               for d in (date(2000, 1, 3), date(2026, 11, 29), date(2026, 11, 30)))


def test_chosen_days_show_in_the_page(lead: FlaskClient) -> None:
    html = lead.get("/agent/insights?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert "1 November 2026 to 30 November 2026" in html
    assert 'value="2026-11-01"' in html
    assert "from=2026-11-01&amp;to=2026-11-30" in html  # the CSV links keep the period


def _node_row(lead: FlaskClient, wizard: str, node: str) -> dict[str, str]:
    rows = rows_of(lead.get("/agent/insights?days=7&format=csv&panel=wizard-nodes"))
    head = rows[0]
    for row in rows[1:]:
        if row[0] == wizard and row[1] == node:
            return dict(zip(head, row, strict=True))
    raise AssertionError(f"no row for {wizard}/{node} in {rows}")


def test_a_wizard_drop_out_shows_in_the_funnel(app: Flask, lead: FlaskClient) -> None:
    person = app.test_client()
    r = person.post("/wizards/printer/describe", data={
        "csrf_token": csrf_token(person, "/wizards/printer"), "answer": "Nothing comes out"})
    assert r.location == "/wizards/printer/screen"
    person.get("/wizards/printer/screen")  # they read the question, and leave
    assert _node_row(lead, "My printer won't print", "screen")["Left here"] == "0"  # still there?
    with app.app_context():
        for event in db.session.scalars(db.select(WizardEvent)):  # an hour has gone by
            event.created_at -= timedelta(hours=1)
        db.session.commit()
    row = _node_row(lead, "My printer won't print", "screen")
    assert (row["Reached"], row["Answered"], row["Left here"]) == ("1", "0", "1")
    first = _node_row(lead, "My printer won't print", "describe")
    assert (first["Reached"], first["Answered"], first["Left here"]) == ("1", "1", "0")
    html = lead.get("/agent/insights?days=7").get_data(as_text=True)
    assert "My printer won&#39;t print: people reaching each step" in html


def test_a_hand_off_shows_per_wizard_and_in_the_answers_that_lead_there(
        app: Flask, lead: FlaskClient) -> None:
    person = app.test_client()
    printer_to_handoff(person)
    r = person.post("/wizards/printer/handoff", data={
        "csrf_token": csrf_token(person, "/wizards/printer/handoff")})
    assert r.location.startswith("/ask?run=")
    r = person.post(r.location, data=ticket_data(person, r.location))
    assert r.status_code == 302
    rows = rows_of(lead.get("/agent/insights?days=7&format=csv&panel=wizards"))
    row = dict(zip(rows[0], next(r for r in rows if r[0] == "My printer won't print"),
                   strict=True))
    assert (row["Runs"], row["Handed off"], row["That worked"], row["Deflection %"]) == \
        ("1", "1", "0", "0")
    answers = rows_of(lead.get("/agent/insights?days=7&format=csv&panel=handoff-answers"))
    said = {(r[1], r[2]) for r in answers[1:]}
    assert ("other-printer", "No, it did not work") in said
    assert not any(r[1] == "describe" for r in answers[1:])  # open answers stay out
    assert _node_row(lead, "My printer won't print", "handoff")["Later handed off"] == "1"


def test_the_log_is_fit_for_analysis(app: Flask) -> None:
    person = app.test_client()
    html = person.get("/search?q=Printers+ofline").get_data(as_text=True)
    person.get("/search?q=printer+offline")
    with app.app_context():
        first, second = db.session.scalars(db.select(SearchLog).order_by(SearchLog.id)).all()
        assert first.normalised == second.normalised == "offlin printer"
        assert isinstance(first.session_key, int) and first.session_key > 2 ** 40
        assert first.session_key == second.session_key
        assert first.shown_ids and first.latency_ms is not None and first.topic == "printing"
        assert first.ticket_after_s is None
        shown = first.shown_ids.split(",")
    link = re.findall(r'href="(/articles/[^"]*\?s=[^"]+)"', html)[1]  # the second result
    person.get(link.replace("&amp;", "&"))
    r = person.post("/ask", data=ticket_data(person))
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    with app.app_context():
        first = db.session.get(SearchLog, first.id)
        assert first is not None and first.clicked_position == 2
        assert str(first.clicked_article_id) == shown[1]
        view = db.session.scalars(db.select(ArticleView)).one()
        assert view.search_id == first.id and view.session_key == first.session_key
        ticket = db.session.scalars(db.select(Ticket)).one()
        assert ticket.session_key == first.session_key  # the same browser, and nothing more
        assert ticket.resolve_by is not None and ticket.resolve_by > ticket.respond_by
        assert first.ticket_after_s is not None and 0 <= first.ticket_after_s < 60
        assert view.ticket_after_s is not None
    other = app.test_client()
    other.get("/search?q=printer+offline")
    with app.app_context():
        last = db.session.scalars(db.select(SearchLog).order_by(SearchLog.id.desc())).first()
        assert last is not None and last.session_key != first.session_key


def test_wizard_events_carry_the_file_version(app: Flask) -> None:
    person = app.test_client()
    person.post("/wizards/printer/describe", data={
        "csrf_token": csrf_token(person, "/wizards/printer"), "answer": "Nothing comes out"})
    digest = hashlib.sha256((ROOT / "wizards" / "printer.yml").read_bytes()).hexdigest()[:12]
    with app.app_context():
        events = db.session.scalars(db.select(WizardEvent)).all()
        assert events and {e.version for e in events} == {digest}
        assert len({e.session_key for e in events}) == 1 and events[0].session_key


def _at(day: datetime, hours: float) -> datetime:
    return day + timedelta(hours=hours)


def test_self_service_score_matches_the_hand_count(app: Flask, lead: FlaskClient) -> None:
    """One week, by hand: A, C and D helped themselves; B, C, E, F and two tickets without a
    key sent tickets. Score 3 ÷ 6 = 0.5. Printing 2 ÷ 3, email 1 ÷ 1, network 0 ÷ 1."""
    today = utcnow().date()
    monday = datetime.combine(today - timedelta(days=today.weekday() + 14), datetime.min.time(),
                              tzinfo=UTC)

    def search(key: int, when: datetime, topic: str, source: str = "public") -> None:
        db.session.add(SearchLog(text="x", normalised="x", result_count=1, topic=topic,
                                 session_key=key, source=source, created_at=when))

    def ticket(key: int | None, when: datetime, category: str) -> None:
        db.session.flush()  # what came before is in the database for the marking
        create_ticket(NewTicket(summary="s", name="n", email="e@example.org",
                                category=category, session_key=key), now=when)

    def visit(key: int, when: datetime) -> None:
        db.session.add(WizardEvent(wizard_id="printer", node_id="describe", kind="visit",
                                   session_key=key, created_at=when))

    a, b, c, d, e, f, x, z = range(101, 109)
    with app.test_request_context():
        search(a, _at(monday, 34), "printing")          # A: nothing after: helped
        search(b, _at(monday, 34), "printing")          # B: ticket 20 minutes later
        ticket(b, _at(monday, 34.34), "printing")
        search(c, _at(monday, 57), "email")             # C: ticket 25 hours later: helped
        ticket(c, _at(monday, 82), "email")
        visit(d, _at(monday, 59))                       # D: a wizard, no ticket: helped
        visit(e, _at(monday, 84))                       # E: wizard and search, then a ticket
        search(e, _at(monday, 84.1), "printing")
        ticket(e, _at(monday, 84.5), "printing")
        search(f, _at(monday, 105), "network")          # F: ticket within the day
        ticket(f, _at(monday, 105.5), "network")
        ticket(None, _at(monday, 30), "printing")       # G and H: no key, one person each
        ticket(None, _at(monday, 31), "other")
        search(x, _at(monday, 40), "printing", "agent")  # an agent's search never counts
        search(z, _at(monday, -30), "printing")         # the week before: outside
        db.session.commit()
    last = monday + timedelta(days=6)
    with app.test_request_context():  # counted from the logs, as while the days are recent
        live = score(Period(monday.date(), last.date(), None), monday.date(),
                     {"printer": "printing"})
        db.session.rollback()
        assert not db.session.scalars(db.select(ScoreWeek)).first()
    week = week_number(monday.date())
    assert (live["helped"], live["tickets"]) == ({week: 3, None: 3}, {week: 6, None: 6})
    assert live["helped_cat"] == {"printing": 2, "email": 1}
    assert live["tickets_cat"] == {"printing": 3, "email": 1, "network": 1, "other": 1}
    period = f"from={monday.date().isoformat()}&to={last.date().isoformat()}"
    rows = rows_of(lead.get(f"/agent/insights?{period}&format=csv&panel=score-week"))
    assert rows == [["Week from", "Helped themselves", "Sent a ticket", "Score"],
                    [monday.date().isoformat(), "3", "6", "0.5"]]
    cats = {r[0]: r[1:] for r in rows_of(
        lead.get(f"/agent/insights?{period}&format=csv&panel=score-category"))[1:]}
    assert cats["Printers and printing"] == ["2", "3", "0.67"]
    assert cats["Email and calendar"] == ["1", "1", "1"]
    assert cats["Wi-Fi, VPN and internet"] == ["0", "1", "0"]
    html = lead.get(f"/agent/insights?{period}").get_data(as_text=True)
    assert "0.5 to 1" in html
    with app.app_context():  # and now from the days rolled up (final: two weeks old)
        assert db.session.scalars(db.select(ScoreWeek)).first() is not None
    again = rows_of(lead.get(f"/agent/insights?{period}&format=csv&panel=score-week"))
    assert again == rows
