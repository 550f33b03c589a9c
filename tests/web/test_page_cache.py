"""Pages the same for every visitor are kept rendered (kb.core.pagecache), yet each visitor
still gets their own CSRF token and messages, and a new outage shows at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, template_rendered

from kb.core.services import library
from kb.extensions import db
from kb.outages.service import create_outage

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextmanager
def rendered(app: Flask) -> Iterator[list[str]]:
    names: list[str] = []

    def seen(_app: Flask, template: Any, context: Any) -> None:
        names.append(template.name)

    template_rendered.connect(seen, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(seen, app)


def article_url(app: Flask) -> tuple[int, str]:
    with app.app_context():
        art = next(a for a in sorted(library().articles.values(), key=lambda a: a.id)
                   if a.is_public)
        return art.id, f"/articles/{art.id}-{art.slug}"


def test_home_article_and_first_question_render_once(app_factory: Any) -> None:
    app = app_factory(FAIL_SOFT_CACHE_SECONDS=60)
    _id, url = article_url(app)
    client = app.test_client()
    with rendered(app) as names:
        for page in ("/", url, f"{url}?s=anything", "/wizards/printer"):
            assert client.get(page).status_code == 200
        first = list(names)
        for page in ("/", url, f"{url}?s=other", "/wizards/printer"):
            assert client.get(page).status_code == 200
    assert first.count("home.html") == 1 and first.count("article.html") == 1
    assert names == first  # the second visits rendered nothing


def test_each_visitor_gets_their_own_working_csrf_token(app_factory: Any) -> None:
    app = app_factory(FAIL_SOFT_CACHE_SECONDS=60)
    article_id, url = article_url(app)
    ana, bob = app.test_client(), app.test_client()
    pages = [c.get(url).get_data(as_text=True) for c in (ana, bob)]
    tokens = [TOKEN.search(html).group(1) for html in pages]  # type: ignore[union-attr]
    assert tokens[0] != tokens[1] and "kb-csrf-token" not in "".join(pages)
    assert TOKEN.search(bob.get("/").get_data(as_text=True)).group(1) == tokens[1]  # type: ignore[union-attr]
    for client, token in ((ana, tokens[0]), (bob, tokens[1])):
        resp = client.post(f"/articles/{article_id}/feedback",
                           data={"csrf_token": token, "helpful": "yes"})
        assert resp.status_code == 302 and "voted=yes" in resp.headers["Location"]
    stolen = bob.post(f"/articles/{article_id}/feedback",
                      data={"csrf_token": tokens[0], "helpful": "yes"})
    assert stolen.status_code == 400


def test_a_message_for_the_visitor_is_shown_on_a_kept_page(app_factory: Any) -> None:
    app = app_factory(FAIL_SOFT_CACHE_SECONDS=60)
    article_id, url = article_url(app)
    client = app.test_client()
    token = TOKEN.search(client.get(url).get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    client.post(f"/articles/{article_id}/feedback", data={"csrf_token": token, "helpful": "no"})
    again = client.post(f"/articles/{article_id}/feedback",
                        data={"csrf_token": token, "helpful": "no"})
    assert again.headers["Location"].split("#")[0] == url  # the kept page's address
    html = client.get(url).get_data(as_text=True)
    assert "You have already told us about this page" in html
    assert "You have already told us" not in client.get(url).get_data(as_text=True)


def test_a_new_outage_shows_at_once_on_a_kept_home_page(app_factory: Any) -> None:
    app = app_factory(FAIL_SOFT_CACHE_SECONDS=60)
    client = app.test_client()
    assert "Printers on floor 2" not in client.get("/").get_data(as_text=True)
    with app.app_context():
        create_outage(title="Printers on floor 2 are not working", message="Use floor 3.",
                      services="Printing", keywords="printer", starts_at=None,
                      expected_fix_at=None, author=None)
        db.session.commit()
    assert "Printers on floor 2" in client.get("/").get_data(as_text=True)


def test_each_language_has_its_own_kept_page(app_factory: Any) -> None:
    app = app_factory(FAIL_SOFT_CACHE_SECONDS=60)
    client = app.test_client()
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    for _ in range(2):
        assert "How can we help?" in client.get("/").get_data(as_text=True)
        html = client.get("/", headers=french).get_data(as_text=True)
        assert "Comment pouvons-nous vous aider ?" in html and "How can we help?" not in html
