"""Organisation sign-in in Chromium, through the real provider's own page: a requester signs
in from the header, sees and adds to their request, asks with their name filled in; an agent
signs in from the agent page. No serious accessibility problems on our pages."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from kb.extensions import db
from tests.conftest import make_app, serious_violations
from tests.web.agent_helpers import make_ticket
from tests.web.sso_helpers import Provider, serve_in_range

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sso_live(tmp_path_factory: pytest.TempPathFactory, pg_database: str | None,
             oidc_provider: Provider) -> Iterator[tuple[Flask, str]]:
    """The site with sign-in on, served on a port in 5300–5399 and registered at the
    provider with its own callback address."""
    holder: list[Flask] = []
    server = serve_in_range(lambda environ, start_response: holder[0](environ, start_response))
    url = f"http://127.0.0.1:{server.server_port}"
    client = oidc_provider.register(f"{url}/sso/callback")
    app = make_app(tmp_path_factory.mktemp("sso-live"), pg_database, BASE_URL=url,
                   TESTING=False, **client.config())
    holder.append(app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, url
    finally:
        server.shutdown()
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _choose_account(page: Page, provider: Provider, sub: str) -> None:
    """The provider's own authorisation page: type the account and authorise."""
    page.wait_for_url(f"{provider.issuer}/oauth2/authorize?*")
    page.locator('input[name="sub"]').fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()


def test_requester_signs_in_and_follows_their_request(page: Page, sso_live: tuple[Flask, str],
                                                      oidc_provider: Provider,
                                                      axe: Any) -> None:
    app, url = sso_live
    oidc_provider.add_user("browser-req", email="bea@example.org", email_verified=True,
                           name="Bea Brown", groups=["staff"])
    ticket_id = make_ticket(app, summary="Monitor flickers", email="bea@example.org",
                            name="Bea")
    page.goto(url + "/")
    page.get_by_role("link", name="Sign in", exact=True).click()
    _choose_account(page, oidc_provider, "browser-req")

    expect(page.get_by_role("heading", name="My requests")).to_be_visible()
    assert serious_violations(axe.run(page)) == []
    page.get_by_role("link", name=f"HD-{ticket_id:06d}").click()
    expect(page.get_by_role("heading", name="Monitor flickers")).to_be_visible()
    assert "/status/" not in page.content()
    page.get_by_label("Your comment").fill("It flickers more in the afternoon.")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator(".timeline")).to_contain_text("It flickers more in the afternoon.")
    expect(page.locator(".timeline")).to_contain_text("Bea Brown")
    assert serious_violations(axe.run(page)) == []

    page.goto(url + "/ask")
    expect(page.get_by_label("Your name")).to_have_value("Bea Brown")
    expect(page.get_by_label("Your work email address")).to_have_value("bea@example.org")
    expect(page.get_by_label("Your work email address")).to_have_attribute("readonly", "")
    assert serious_violations(axe.run(page)) == []
    page.get_by_role("button", name="Sign out (Bea Brown)").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def test_agent_signs_in_from_the_agent_page(page: Page, sso_live: tuple[Flask, str],
                                            oidc_provider: Provider, axe: Any) -> None:
    _app, url = sso_live
    oidc_provider.add_user("browser-agent", email="abe@example.org", email_verified=True,
                           name="Abe Agent", groups=["helpdesk-agents"])
    page.goto(url + "/agent/login")
    assert serious_violations(axe.run(page)) == []
    page.get_by_role("link", name="Sign in with your organisation account").click()
    _choose_account(page, oidc_provider, "browser-agent")
    expect(page.get_by_role("button", name="Sign out (Abe Agent)")).to_be_visible()
    assert page.url.startswith(url + "/agent/")
