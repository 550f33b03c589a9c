"""Several languages through the test client: the interface, a translated article, the
fallback notice, search and a wizard in French; the picker's cookie over Accept-Language; a
requester's pages (sent, status, lost link, My requests) and their own emails in French."""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb.extensions import db
from kb.models import Ticket
from tests.conftest import csrf_token, email_text
from tests.web.agent_helpers import make_ticket
from tests.web.sso_helpers import Provider, sign_in
from tests.web.tickets_helpers import ticket_data

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


def _send_in_french(app: Flask) -> tuple[FlaskClient, str, str]:
    """A French visitor sends the form: (their browser, the sent page, the status token)."""
    client = app.test_client()
    client.set_cookie("kb_lang", "fr")
    r = client.post("/ask", data=ticket_data(client, email="lea@example.org", name="Léa"))
    assert r.status_code == 302, r.get_data(as_text=True)
    sent = page(client, r.location)
    with app.app_context():
        token = db.session.scalars(select(Ticket.token)).one()
    return client, sent, token


def test_the_requesters_pages_and_confirmation_email_are_french(mail_app: Flask,
                                                                  inbox: Any) -> None:
    client, sent, token = _send_in_french(mail_app)
    assert '<html lang="fr">' in sent and "<h1>Demande envoyée</h1>" in sent
    assert "Votre référence est" in sent and "Ce que vous avez envoyé" in sent
    assert "Request sent" not in sent and "What happens next" not in sent
    assert "<strong>lea@example.org</strong>" in sent  # the address kept its markup, escaped
    # The confirmation email, as the mail server received it: French, in both parts.
    [message] = inbox.messages
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject.startswith("Nous avons bien reçu votre demande (HD-")
    text = email_text(message)
    assert text.startswith("Bonjour Léa,") and f"/status/{token}" in text
    assert "LA SUITE" in text and "Gardez ce lien pour vous" in text
    assert "Nous ne vous demanderons jamais votre mot de passe" in text
    assert "We have your request" not in text and "Hello" not in text
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True).decode()
    assert '<html lang="fr">' in body and "Nous avons bien reçu votre demande" in body
    # The status page from that link, and a comment's thank-you.
    status = page(client, f"/status/{token}")
    assert "Votre demande HD-" in status and "État : Reçue" in status
    assert "Ce qui s’est passé" in status and "Demande envoyée" in status  # the timeline
    assert "Est-ce que cela marche maintenant ?" in status and "It&#39;s fixed now" not in status
    r = client.post(f"/status/{token}/comment", follow_redirects=True, data={
        "csrf_token": csrf_token(client, f"/status/{token}"), "comment": "Toujours en panne"})
    assert "Merci. Nous avons ajouté votre commentaire." in r.get_data(as_text=True)


def test_an_agents_reply_email_stays_in_the_default_language(mail_app: Flask,
                                                               inbox: Any) -> None:
    """Emails an agent's action queues are in the default language (README): only the
    requester's own request knows their language."""
    from tests.web.agent_helpers import login, make_agent, token_from

    client, _sent, token = _send_in_french(mail_app)
    page(client, f"/status/{token}")  # the address is confirmed: replies go by email
    inbox.messages.clear()
    with mail_app.app_context():
        ticket_id = db.session.scalars(select(Ticket.id)).one()
    make_agent(mail_app)
    agent = mail_app.test_client()
    agent.set_cookie("kb_lang", "fr")
    login(agent)
    html = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    r = agent.post(f"/agent/tickets/{ticket_id}/message", data={
        "csrf_token": token_from(html), "message": "Please restart it.", "kind": "reply"})
    assert r.status_code in (302, 303), r.get_data(as_text=True)
    [message] = inbox.messages
    text = email_text(message)
    assert "Please restart it." in text and "We will never ask for your password" in text


def test_the_lost_link_pages_are_french(client: FlaskClient) -> None:
    client.set_cookie("kb_lang", "fr")
    html = page(client, "/ask/lost-link")
    assert "<h1>Vous avez perdu le lien vers votre demande ?</h1>" in html
    assert "M’envoyer les liens par e-mail" in html and "Lost the link" not in html
    r = client.post("/ask/lost-link", data={"csrf_token": csrf_token(client, "/ask/lost-link"),
                                            "email": "pas une adresse"})
    assert r.status_code == 400
    assert "Saisissez une adresse e-mail comme nom@example.org." in r.get_data(as_text=True)
    r = client.post("/ask/lost-link", follow_redirects=True, data={
        "csrf_token": csrf_token(client, "/ask/lost-link"), "email": "lea@example.org"})
    sent = r.get_data(as_text=True)
    assert "<h1>Regardez vos e-mails</h1>" in sent and "Check your email" not in sent


def test_my_requests_is_french(app_factory: Any, oidc_provider: Provider) -> None:
    app: Flask = app_factory(**oidc_provider.config())
    mine = make_ticket(app, summary="Mon portable ne charge plus", email="zoe@example.org",
                       name="Zoé", status="in progress")
    oidc_provider.add_user("zoe-sub", email="zoe@example.org", email_verified=True,
                           name="Zoé Z", groups=["staff"])
    client = app.test_client()
    assert sign_in(client, "zoe-sub").request.path == "/my-requests"
    html = page(client, "/my-requests", **FR)
    assert "<h1>Mes demandes</h1>" in html and "En cours de traitement" in html
    assert "Les demandes envoyées depuis zoe@example.org" in html and f"HD-{mine:06d}" in html
    assert "Being worked on" not in html and "newest first" not in html
    ticket = page(client, f"/my-requests/{mine}", **FR)
    assert "État : En cours de traitement" in ticket
    assert "Quelqu’un de l’assistance s’en occupe." in ticket


def test_the_info_pages_and_article_headings_are_french(client: FlaskClient) -> None:
    client.set_cookie("kb_lang", "fr")
    about = page(client, "/about")
    assert "<h1>À propos de l’assistance</h1>" in about and "Nos délais de réponse" in about
    assert "About the help desk" not in about
    status = page(client, "/status")
    assert "<h1>État des services</h1>" in status and "Problèmes en cours" in status
    article = page(client, "/articles/5")
    assert 'title="Lien vers cette section"' in article
    assert "Link to this section" not in article
