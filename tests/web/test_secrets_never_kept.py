"""A password typed anywhere (search box, API, a wizard answer, the general question, the
ticket's name and summary) is absent from every table, the access log and the cookie."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import select

from kb.extensions import db
from tests.conftest import csrf_token
from tests.web.tickets_helpers import ticket_data

SECRET = "Tr0ub4dor&3xQz"
SAID = f"my password is {SECRET}"


def everything_stored(app: Flask) -> str:
    with app.app_context():
        rows = []
        for table in db.metadata.sorted_tables:
            rows.extend(str(tuple(r)) for r in db.session.execute(select(table)).all())
    return "\n".join(rows)


def cookie_data(app: Flask, client: Any) -> str:
    cookie = client.get_cookie("session")
    if cookie is None:
        return ""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return str(serializer.loads(cookie.value))


def test_a_typed_password_is_kept_nowhere(app: Flask) -> None:
    client = app.test_client()
    client.get("/search", query_string={"q": f"vpn {SAID}"})
    client.get("/api/v1/search", query_string={"q": f"outlook {SAID}"})
    for text in (f"printer says offline and {SAID}", f"zzqx {SAID}"):  # a wizard; no wizard
        client.post("/wizards/start", data={"csrf_token": csrf_token(client, "/wizards"),
                                            "problem": text}, follow_redirects=True)
    data = ticket_data(client, summary=f"VPN fails, {SAID}", name=f"Sam password: {SECRET}",
                       description="It stopped this morning.")
    assert client.post("/ask", data=data).status_code in (200, 302)
    stored = everything_stored(app)
    assert "vpn" in stored.lower() and "printer says offline" in stored  # the rest is kept
    assert SECRET not in stored
    assert SECRET not in cookie_data(app, client)
    # The access log: werkzeug's request line, through the filter create_app installed.
    from kb.core.logs import RedactQueries

    werkzeug_log = logging.getLogger("werkzeug")
    assert any(isinstance(f, RedactQueries) for f in werkzeug_log.filters)
    record = werkzeug_log.makeRecord(
        "werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
        ("127.0.0.1", "01/Dec/2026 10:00:00",
         f"GET /search?q=vpn+my+password+is+{SECRET.replace('&', '%26')} HTTP/1.1", "200",
         "-"), None)
    assert werkzeug_log.filter(record)
    line = record.getMessage()
    assert "/search?q=vpn" in line and SECRET not in line
    assert SECRET.replace("&", "%26") not in line


def test_gunicorn_access_lines_are_redacted_too() -> None:
    from kb.core.logs import RedactQueries

    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s %(q)s",
                               None, None)
    record.args = {"r": f"GET /search?q=password%3A+{SECRET} HTTP/1.1",
                   "q": f"q=password%3A+{SECRET}"}
    RedactQueries().filter(record)
    assert SECRET not in record.getMessage() and "/search?q=" in record.getMessage()


def test_prune_removes_logs_past_the_retention(app: Flask) -> None:
    from datetime import timedelta

    from kb.models import SearchLog, WizardEvent, WizardRun, utcnow

    with app.app_context():
        old = utcnow() - timedelta(days=500)
        run = WizardRun(wizard_id="printer", state={}, updated_at=old, created_at=old)
        db.session.add_all([SearchLog(text="old", result_count=0, created_at=old),
                            SearchLog(text="new", result_count=0), run])
        db.session.flush()
        db.session.add(WizardEvent(run_id=run.id, wizard_id="printer", node_id="a",
                                   kind="visit", created_at=old))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["kb", "prune"])
    assert result.exit_code == 0 and "1 searches" in result.output
    with app.app_context():
        assert [s.text for s in db.session.scalars(select(SearchLog))] == ["new"]
        assert db.session.scalars(select(WizardRun)).all() == []
        assert db.session.scalars(select(WizardEvent)).all() == []


def test_prune_removes_old_copies_of_emails_but_not_held_ones(app: Flask) -> None:
    from datetime import timedelta

    from kb.models import InboundMessage, OutboxEmail, utcnow

    with app.app_context():
        old = utcnow() - timedelta(days=500)
        db.session.add_all([
            InboundMessage(from_addr="a@example.org", body="added", state="added",
                           received_at=old),
            InboundMessage(from_addr="b@example.org", body="held", state="held",
                           received_at=old),
            InboundMessage(from_addr="c@example.org", body="recent", state="discarded"),
            OutboxEmail(to_addr="a@example.org", subject="s", body_text="sent", state="sent",
                        message_id="<old-sent@kb>", created_at=old),
            OutboxEmail(to_addr="a@example.org", subject="s", body_text="queued",
                        state="queued", message_id="<old-queued@kb>", created_at=old),
            OutboxEmail(to_addr="a@example.org", subject="s", body_text="new", state="sent",
                        message_id="<new-sent@kb>")])
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["kb", "prune"])
    assert result.exit_code == 0, result.output
    assert "1 inbound emails" in result.output and "1 sent emails" in result.output
    with app.app_context():
        assert sorted(m.body for m in db.session.scalars(select(InboundMessage))) == [
            "held", "recent"]
        assert sorted(m.body_text for m in db.session.scalars(select(OutboxEmail))) == [
            "new", "queued"]


def test_the_retention_period_is_a_setting(app_factory: Any) -> None:
    from datetime import timedelta

    from kb.models import SearchLog, utcnow

    app = app_factory(LOG_RETENTION_DAYS=7)
    with app.app_context():
        db.session.add(SearchLog(text="eight days", result_count=0,
                                 created_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    assert app.test_cli_runner().invoke(args=["kb", "prune"]).exit_code == 0
    with app.app_context():
        assert db.session.scalars(select(SearchLog)).all() == []
