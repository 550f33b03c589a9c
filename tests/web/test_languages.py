"""Several languages through the test client: the interface, a translated article, the
fallback notice, search and a wizard in French; the picker's cookie over Accept-Language."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token

FR = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
NOTICE = "Cette page n’est pas encore traduite"


def page(client: FlaskClient, url: str, **headers: str) -> str:
    r = client.get(url, headers=headers, follow_redirects=True)
    assert r.status_code == 200, url
    return r.get_data(as_text=True)


def test_the_interface_follows_accept_language(client: FlaskClient) -> None:
    english = page(client, "/")
    assert '<html lang="en">' in english and "How can we help?" in english
    french = page(client, "/", **FR)
    assert '<html lang="fr">' in french
    assert "Comment pouvons-nous vous aider ?" in french and "How can we help?" not in french
    assert "Parcourir par thème" in french and "Horaires d’ouverture" in french
    assert "Mots de passe et connexion" in french  # topic names from articles/fr/
    r = client.get("/", headers=FR)
    assert "Accept-Language" in r.headers["Vary"] and "Cookie" in r.headers["Vary"]


def test_a_language_we_do_not_have_gets_the_default(client: FlaskClient) -> None:
    html = page(client, "/", **{"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="en">' in html and "How can we help?" in html


def test_a_translated_article_is_shown_in_french(client: FlaskClient) -> None:
    r = client.get("/articles/5", headers=FR)
    assert r.status_code == 301
    assert r.location == "/articles/5-mon-imprimante-est-hors-ligne"  # the French title's slug
    html = page(client, "/articles/5", **FR)
    assert "<h1>Mon imprimante est hors ligne</h1>" in html
    assert "Ouvrir la file d’attente" in html and "Vous devriez voir" in html
    assert NOTICE not in html
    assert 'lang="fr"' in html and "Cette page vous a-t-elle aidé ?" in html
    # The French glossary explains its terms in French, the English one is not used.
    assert "réseau privé virtuel" in html and "virtual private network" not in html
    # The same id in English is still the English page.
    english = page(client, "/articles/5")
    assert "My printer says it&#39;s offline" in english and NOTICE not in english


def test_an_untranslated_article_falls_back_to_english_with_a_notice(
        client: FlaskClient) -> None:
    html = page(client, "/articles/6", **FR)
    assert NOTICE in html
    assert '<div class="article-body" lang="en">' in html  # screen readers switch voice
    assert "Accueil" in html  # the interface around it stays French


def test_the_picker_overrides_the_header_and_is_remembered(client: FlaskClient) -> None:
    html = page(client, "/articles/5", **FR)
    link = re.search(r'href="(/language/en\?next=[^"]+)"', html)
    assert link, "no link to English on a French page"
    r = client.get(link.group(1).replace("&amp;", "&"), headers=FR)
    assert r.status_code == 303 and r.location.startswith("/articles/5")
    assert "kb_lang=en" in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]
    english = page(client, "/articles/5", **FR)  # the header still says French
    assert '<html lang="en">' in english and "My printer says it&#39;s offline" in english
    client.get("/language/fr?next=/")
    french = page(client, "/", **{"Accept-Language": "en"})
    assert '<html lang="fr">' in french


def test_the_picker_only_goes_back_to_this_site(client: FlaskClient) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        r = client.get("/language/fr", query_string={"next": target})
        assert r.status_code == 303 and r.location == "/"
    assert client.get("/language/xx").status_code == 404


def test_search_in_french_uses_the_french_index(client: FlaskClient) -> None:
    html = page(client, "/search?q=imprimantes+hors+ligne", **FR)
    assert "Résultats pour « imprimantes hors ligne »" in html
    first = re.search(r'<li class="result">\s*<h2><a href="([^"]+)">([^<]+)</a>', html)
    assert first and first.group(2) == "Mon imprimante est hors ligne"
    assert first.group(1).startswith("/articles/5-mon-imprimante")
    assert re.search(r"\d+ articles? trouvés?", html)
    # French stems: "bloqués" finds the frozen-program article by its French words.
    html = page(client, "/search?q=programme+bloqu%C3%A9", **FR)
    assert "Mon programme est bloqué" in html
    # The English index has no French words in it.
    english = page(client, "/search?q=imprimantes+hors+ligne")
    assert "Mon imprimante est hors ligne" not in english


def test_a_wizard_runs_in_french(client: FlaskClient) -> None:
    html = page(client, "/wizards/printer", **FR)
    assert "Dites-nous ce qui se passe quand vous essayez d’imprimer." in html
    client.set_cookie("kb_lang", "fr")
    r = client.post("/wizards/printer/describe", data={
        "csrf_token": csrf_token(client, "/wizards/printer"),
        "answer": "Elle dit qu'elle est hors ligne"})
    assert r.location == "/wizards/printer/offline-restart"
    html = page(client, "/wizards/printer/offline-restart")
    assert "Éteignez l’imprimante, puis rallumez-la" in html
    assert "Est-ce que cela a marché ?" in html and "Oui, ça a marché" in html
    # An empty answer (a new visitor): the message is French too.
    other = client.application.test_client()
    other.set_cookie("kb_lang", "fr")
    r = other.post("/wizards/printer/describe", data={
        "csrf_token": csrf_token(other, "/wizards/printer"), "answer": ""})
    assert "Dites-nous en quelques mots ce qui se passe." in r.get_data(as_text=True)


def test_forms_and_errors_in_french(client: FlaskClient) -> None:
    client.set_cookie("kb_lang", "fr")
    r = client.get("/no-such-page")
    assert r.status_code == 404 and "Page introuvable" in r.get_data(as_text=True)
    html = page(client, "/ask")
    assert "Quel est le problème, en une phrase ?" in html and "Moi seulement" in html
    r = client.post("/ask", data={"csrf_token": csrf_token(client, "/ask"), "send": "1"})
    assert "Dites-nous quel est le problème, en une phrase." in r.get_data(as_text=True)


def test_agent_pages_stay_in_english(client: FlaskClient) -> None:
    html = page(client, "/agent/login", **FR)
    assert '<html lang="en">' in html and "Sign in to the agent workspace" in html


def test_flask_kb_check_passes_on_the_french_content(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["kb", "check"])
    lines = result.output.splitlines()
    assert "fr: 10 articles, 2 wizards translated." in lines
    assert [line for line in lines if "/fr/" in line] == []
    assert result.exit_code == 0, result.output


def test_the_help_widget_panel_is_french_too(client: FlaskClient) -> None:
    html = page(client, "/widget?q=imprimante+hors+ligne", **FR)
    assert '<html lang="fr">' in html and "Dites-nous ce qui se passe" in html
    assert "Mon imprimante est hors ligne" in html
