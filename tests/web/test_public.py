"""Public pages and the JSON API through the Flask test client, on the bundled articles."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kb.core.services import library
from kb.extensions import db
from kb.models import Feedback, SearchLog
from tests.conftest import csrf_token


def internal_article(app: Flask) -> Any:
    with app.app_context():
        return next(a for a in library().articles.values() if not a.is_public)


def public_article(app: Flask) -> Any:
    with app.app_context():
        return next(a for a in sorted(library().articles.values(), key=lambda a: a.id)
                    if a.is_public)


def test_home_has_search_categories_popular_and_contact(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'role="search"' in html and 'name="q"' in html
    assert "Browse by topic" in html and "/categories/printing" in html
    assert "Popular fixes" in html and "KB-" in html
    assert "Opening hours" in html and "helpdesk@example.org" in html


def test_security_headers(client: FlaskClient) -> None:
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"


def test_article_page_shows_id_review_date_related_and_feedback(app: Flask,
                                                               client: FlaskClient) -> None:
    art = public_article(app)
    resp = client.get(f"/a/{art.id}")
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and art.title.replace("'", "&#39;") in html
    assert f">{art.kb_id}<" in html and "Copy ID" in html and "Last checked" in html
    assert "Was this helpful?" in html and 'name="csrf_token"' in html
    assert "Related articles" in html


def test_wrong_slug_redirects_to_canonical(app: Flask, client: FlaskClient) -> None:
    art = public_article(app)
    resp = client.get(f"/articles/{art.id}-whatever")
    assert resp.status_code == 301 and resp.headers["Location"].endswith(f"{art.id}-{art.slug}")


def test_category_page_lists_its_articles(client: FlaskClient) -> None:
    html = client.get("/categories/printing").get_data(as_text=True)
    assert "Printers" in html and "KB-" in html
    assert client.get("/categories/nope").status_code == 404
    assert client.get("/categories/agents").status_code == 404  # internal only: hidden


def test_search_finds_highlights_and_logs(app: Flask, client: FlaskClient) -> None:
    html = client.get("/search?q=printer+offline").get_data(as_text=True)
    assert "<mark>" in html and "found." in html
    with app.app_context():
        log = db.session.scalars(select(SearchLog)).one()
        assert log.text == "printer offline" and log.result_count > 0
        log_id = log.id
    first = html.split('class="result"')[1].split('href="')[1].split('"')[0]
    assert "s=" in first and f"s={log_id}" not in first  # a signed token, not the bare id
    other = html.split('class="result"')[2].split('href="')[1].split('"')[0] \
        if html.count('class="result"') > 1 else None
    client.get(f"/articles/5?s={log_id}")  # a guessed id counts for nothing
    with app.app_context():
        assert db.session.get(SearchLog, log_id).clicked_article_id is None
    client.get(first.replace("&amp;", "&"))
    with app.app_context():
        assert db.session.get(SearchLog, log_id).clicked_article_id is not None
    assert other is None or other != first


def test_search_category_filter_and_pagination(client: FlaskClient, app_factory: Any) -> None:
    html = client.get("/search?q=printer&category=printing").get_data(as_text=True)
    assert "in Printers and printing" in html
    assert "KB-" in html
    small = app_factory(SEARCH_PER_PAGE=2).test_client()
    page2 = small.get("/search?q=printer&page=2").get_data(as_text=True)
    assert "Page 2 of" in page2 and 'rel="prev"' in page2
    assert client.get("/search?q=printer&page=999").status_code == 200


def test_zero_results_offers_wizards_categories_and_ask(client: FlaskClient) -> None:
    html = client.get("/search?q=qwertyuiop+zxcv").get_data(as_text=True)
    assert "We could not find an article" in html
    assert 'href="/wizards"' in html and "/categories/" in html
    assert "/ask?q=qwertyuiop+zxcv" in html


def test_internal_articles_invisible_to_public_everywhere(app: Flask,
                                                          client: FlaskClient) -> None:
    art = internal_article(app)
    assert client.get(f"/articles/{art.id}").status_code == 404
    assert client.get(f"/a/{art.id}").status_code == 404
    assert client.get(f"/api/v1/articles/KB-{art.id}").status_code == 404
    words = art.title
    html = client.get("/search", query_string={"q": words}).get_data(as_text=True)
    assert f"KB-{art.id}<" not in html and f"/articles/{art.id}-" not in html
    data = client.get("/api/v1/search", query_string={"q": words}).get_json()
    assert all(r["id"] != art.kb_id for r in data["results"])
    sugg = client.get("/api/v1/suggest", query_string={"q": words[:6]}).get_json()
    assert all(s["id"] != art.kb_id for s in sugg["suggestions"])
    home = client.get("/").get_data(as_text=True)
    assert art.title not in home
    for pub in library_public_ids(app)[:10]:
        page = client.get(f"/a/{pub}", follow_redirects=True).get_data(as_text=True)
        assert f"KB-{art.id}<" not in page


def library_public_ids(app: Flask) -> list[int]:
    with app.app_context():
        return [a.id for a in library().visible()]


def test_internal_notes_never_public(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        with_notes = [a for a in library().visible() if a.internal_notes]
    assert with_notes, "bundled content should have agent notes on some public articles"
    art = with_notes[0]
    snippet = art.internal_notes.strip().splitlines()[0][:40]
    page = client.get(f"/a/{art.id}", follow_redirects=True).get_data(as_text=True)
    api = client.get(f"/api/v1/articles/{art.id}").get_data(as_text=True)
    assert snippet not in page and snippet not in api


def test_feedback_vote_is_stored(app: Flask, client: FlaskClient) -> None:
    art = public_article(app)
    url = f"/articles/{art.id}-{art.slug}"
    token = csrf_token(client, url)
    resp = client.post(f"/articles/{art.id}/feedback",
                       data={"csrf_token": token, "helpful": "no", "reason": "<b>Too long</b>"})
    assert resp.status_code == 302 and "voted=no" in resp.headers["Location"]
    with app.app_context():
        fb = db.session.scalars(select(Feedback)).one()
        assert fb.article_id == art.id and fb.helpful is False and fb.reason == "<b>Too long</b>"


def test_feedback_reason_never_stores_a_password(app: Flask, client: FlaskClient) -> None:
    art = public_article(app)
    token = csrf_token(client, f"/articles/{art.id}-{art.slug}")
    client.post(f"/articles/{art.id}/feedback", data={
        "csrf_token": token, "helpful": "no", "reason": "tried my password is Tr0ub4dor&3 twice"})
    with app.app_context():
        fb = db.session.scalars(select(Feedback)).one()
        assert "Tr0ub4dor&3" not in (fb.reason or "") and fb.reason


def test_feedback_without_choice_keeps_reason(app: Flask, client: FlaskClient) -> None:
    art = public_article(app)
    token = csrf_token(client, f"/articles/{art.id}-{art.slug}")
    resp = client.post(f"/articles/{art.id}/feedback",
                       data={"csrf_token": token, "reason": "kept text <i>"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "There is a problem" in html
    assert "kept text &lt;i&gt;" in html


def test_feedback_without_csrf_is_rejected(app: Flask, client: FlaskClient) -> None:
    art = public_article(app)
    resp = client.post(f"/articles/{art.id}/feedback", data={"helpful": "yes"})
    assert resp.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Feedback)).all() == []


def test_api_search_shape(client: FlaskClient) -> None:
    data = client.get("/api/v1/search?q=outlok").get_json()
    assert set(data) >= {"query", "did_you_mean", "total", "results"}
    assert data["query"] == "outlok" and data["total"] > 0
    first = data["results"][0]
    assert set(first) >= {"id", "title", "summary", "url", "snippet", "category"}
    assert first["id"].startswith("KB-") and first["url"].startswith("http")


def test_api_article(app: Flask, client: FlaskClient) -> None:
    art = public_article(app)
    data = client.get(f"/api/v1/articles/KB-{art.id}").get_json()
    assert data["id"] == art.kb_id and data["title"] == art.title and "<h2" in data["html"]
    assert client.get(f"/api/v1/articles/{art.id}").status_code == 200
    missing = client.get("/api/v1/articles/KB-99999")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not found"


def test_suggest_titles(client: FlaskClient) -> None:
    data = client.get("/api/v1/suggest?q=print").get_json()
    assert data["suggestions"] and all(s["id"].startswith("KB-") for s in data["suggestions"])


def test_script_in_query_is_text(client: FlaskClient) -> None:
    html = client.get("/search", query_string={"q": "<script>alert(1)</script>"}).get_data(
        as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_missing_or_corrupt_index_is_rebuilt_not_500(app_factory: Any, tmp_path: Path) -> None:
    index_dir = tmp_path / "own-index"
    app = app_factory(INDEX_DIR=str(index_dir))
    client = app.test_client()
    assert client.get("/search?q=printer").status_code == 200
    real = index_dir.resolve()
    for f in real.iterdir():
        if f.is_file():
            f.write_bytes(b"garbage")
    app2 = app_factory(INDEX_DIR=str(index_dir))
    resp = app2.test_client().get("/search?q=printer")
    assert resp.status_code == 200 and "articles found" in resp.get_data(as_text=True)
    shutil.rmtree(real)
    if index_dir.is_symlink():
        index_dir.unlink()
    app3 = app_factory(INDEX_DIR=str(index_dir))
    assert "articles found" in app3.test_client().get("/search?q=printer").get_data(as_text=True)


def test_broken_article_is_skipped_site_keeps_working(app_factory: Any, tmp_path: Path) -> None:
    from kb.config import Defaults

    folder = tmp_path / "articles"
    shutil.copytree(Defaults.ARTICLES_DIR, folder)
    (folder / "zz-broken.md").write_text("---\nid: [oops\n---\nbody\n")
    app = app_factory(ARTICLES_DIR=str(folder), INDEX_DIR=str(tmp_path / "idx"))
    with app.app_context():
        assert any("zz-broken.md" in p.path for p in library().problems)
    assert app.test_client().get("/").status_code == 200
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "check"])
    assert result.exit_code == 1
    assert "zz-broken.md:3:1: error: front matter is not valid YAML" in result.output


def test_cookies_are_secure_behind_https(app_factory: Any) -> None:
    app = app_factory(BASE_URL="https://help.example.org")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    art = public_article(app)
    resp = app.test_client().get(f"/articles/{art.id}-{art.slug}")
    cookie = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_one_vote_per_page_per_visitor(app: Flask, client: FlaskClient) -> None:
    page = client.get("/articles/5").headers["Location"]
    for _ in range(3):
        token = csrf_token(client, page)
        client.post("/articles/5/feedback", data={"csrf_token": token, "helpful": "yes",
                                                  "article_id": "5"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Feedback)) == 1
