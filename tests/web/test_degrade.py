"""Degrade, don't die: with the database unreachable (a PostgreSQL port nobody listens on, or
a SQLite file in a folder that does not exist) the pages served from files and the index
still answer 200 with content, and the ticket form keeps what was typed and says whom to call."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError

from kb import create_app
from kb.core.services import library, support
from kb.core.softcache import soft
from kb.extensions import db
from kb.models import Outage, OutboxEmail
from kb.models.base import utcnow
from kb.outages.service import banners_for, create_outage

from .tickets_helpers import ticket_data

UNREACHABLE = {
    "postgresql": "postgresql://postgres@127.0.0.1:1/test",
    "sqlite": "sqlite:////nonexistent-folder/kb/kb.sqlite3",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down(request: pytest.FixtureRequest, tmp_path: Path, shared_index: Path) -> Iterator[Flask]:
    """The real app, its content and index in place, its database out of reach."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "RATELIMIT_ENABLED": False,
                      "INSTANCE_PATH": str(tmp_path / "instance"), "INDEX_DIR": str(shared_index),
                      "DATABASE_URL": UNREACHABLE[request.param], "MAIL_PORT": 1})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(down: Flask) -> FlaskClient:
    return down.test_client()


def test_file_backed_pages_answer_with_content(down: Flask, client: FlaskClient) -> None:
    with down.app_context():
        art = min(library().visible(), key=lambda a: a.id)
        category = next(iter(library().categories))
    pages = {
        "/": art.title,
        f"/articles/{art.id}-{art.slug}": art.title,
        f"/categories/{category}": library_name(down, category),
        "/search?q=printer+offline": "found.",
        "/wizards": "What's going wrong?",
        "/wizards/printer": "printer",
        "/ask": "Ask the help desk",
        "/about": "Opening hours",
        "/api/v1/search?q=printer": "KB-",
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response.get_data(as_text=True), url


def library_name(app: Flask, category: str) -> str:
    with app.app_context():
        return library().categories[category].name


def test_ticket_form_keeps_what_was_typed_and_says_whom_to_call(down: Flask,
                                                                client: FlaskClient) -> None:
    data = ticket_data(client, summary="Screen flickers after the update",
                       description="Since 10 o'clock, every few seconds.")
    response = client.post("/ask", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "We can't take requests right now" in html
    with down.app_context():
        phone = support()["contact"]["phone"]
    assert phone in html
    assert "Screen flickers after the update" in html
    assert "Since 10 o&#39;clock, every few seconds." in html
    assert 'value="sam@example.org"' in html


def test_pages_that_need_the_database_say_so_plainly(client: FlaskClient) -> None:
    for url in ("/status/some-token", "/status", "/wizards/printer/describe"):
        response = client.get(url)
        assert response.status_code in (503, 302), url
        if response.status_code == 503:
            assert "We can't take requests right now" in response.get_data(as_text=True)
    assert client.get("/no-such-page").status_code == 404


def test_health_and_readiness(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503 and body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["index"]["ok"] is True


def test_ready_when_everything_works(app: Flask) -> None:
    response = app.test_client().get("/readyz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["index"]["ok"]
    assert body["checks"]["mail_queue"] == {
        "ok": True, "required": False, "detail": "0 emails waiting, 0 jobs queued"}


def _waiting_email(minutes_ago: int) -> None:
    db.session.add(OutboxEmail(
        to_addr="ann@example.org", subject="Your request", body_text="Hello",
        message_id=f"<wait-{minutes_ago}@kb>",
        created_at=utcnow() - timedelta(minutes=minutes_ago)))
    db.session.commit()


def test_an_email_stuck_in_the_queue_is_reported_but_the_node_stays_ready(app: Flask) -> None:
    with app.app_context():
        _waiting_email(3)
    check = app.test_client().get("/readyz").get_json()["checks"]["mail_queue"]
    assert check["ok"] is True and check["detail"].startswith("1 emails waiting")
    with app.app_context():
        _waiting_email(40)
    response = app.test_client().get("/readyz")
    check = response.get_json()["checks"]["mail_queue"]
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
    assert check["ok"] is False and "the oldest has waited 40 min" in check["detail"]


def test_an_unreachable_queue_is_reported_but_the_node_stays_ready(app_factory: Any) -> None:
    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0", QUEUE_IMMEDIATE=False)  # port 1: nobody
    response = app.test_client().get("/readyz")
    check = response.get_json()["checks"]["mail_queue"]
    assert response.status_code == 200
    assert check == {"ok": False, "required": False,
                     "detail": "queue unreachable (ConnectionError)"}


def test_banners_are_kept_briefly_and_a_change_here_shows_at_once(app_factory: Any) -> None:
    app = app_factory(FAIL_SOFT_CACHE_SECONDS=3600)
    with app.app_context():
        db.session.add(Outage(title="Printers down", message="All floors", keywords="printer"))
        db.session.commit()
        assert [b.title for b in banners_for(None)] == ["Printers down"]
        db.session.add(Outage(title="VPN down", message="GlobalProtect", keywords="vpn"))
        db.session.commit()
        assert len(banners_for(None)) == 1  # kept: not asked again within the hour
        create_outage(title="Wi-Fi down", message="Floor 3", services="", keywords="wifi",
                      starts_at=None, expected_fix_at=None, author=None)
        assert len(banners_for(None)) == 3  # made in this process: shown at once


def test_last_good_answer_while_the_database_is_down(app: Flask) -> None:
    calls: list[str] = []

    def works() -> list[str]:
        calls.append("asked")
        return ["fresh"]

    def fails() -> list[str]:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("down"))

    with app.app_context():
        app.config["FAIL_SOFT_CACHE_SECONDS"] = 3600
        assert soft("thing", works, []) == soft("thing", works, []) == ["fresh"]
        assert calls == ["asked"]
        app.config["FAIL_SOFT_CACHE_SECONDS"] = 0
        assert soft("thing", fails, []) == ["fresh"]  # the last good answer
        assert soft("other", fails, ["fallback"]) == ["fallback"]
