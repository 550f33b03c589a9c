"""A real OpenID provider (oidc-provider-mock) on a port in 5300–5399, and a walk through its
sign-in the way a browser does: our site → the provider's form → back to our callback."""

from __future__ import annotations

import contextlib
import errno
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server

PORTS = range(5300, 5400)
# httpx.get/put/post build a client, and with it an SSL context that loads the whole CA bundle
# (~50 ms of CPU), on every call, though the provider speaks plain HTTP: build that context once.
# Each call still gets a client of its own, so no cookie is carried from one call to the next.
_TLS = httpx.create_ssl_context()


@dataclass
class Provider:
    issuer: str
    client_id: str
    client_secret: str

    def add_user(self, sub: str, **claims: Any) -> None:
        """The account the provider signs in as ``sub``, with these ID-token claims."""
        response = httpx.put(f"{self.issuer}/users/{quote(sub, safe='')}", json=claims,
                              verify=_TLS)
        assert response.status_code == 204, response.text

    def register(self, redirect_uri: str) -> Provider:
        """Another client of the same provider (e.g. a live server on its own port)."""
        registered = httpx.post(f"{self.issuer}/oauth2/clients", verify=_TLS,
                                json={"redirect_uris": [redirect_uri]}).json()
        return Provider(self.issuer, registered["client_id"], registered["client_secret"])

    def config(self, **extra: Any) -> dict[str, Any]:
        return {"OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": self.client_id,
                "OIDC_CLIENT_SECRET": self.client_secret, **extra}


def serve_in_range(app: Any) -> BaseWSGIServer:
    """A threaded server for ``app`` on the first free port in 5300–5399."""
    for port in PORTS:
        try:
            return make_server("127.0.0.1", port, app, threaded=True)
        except SystemExit:  # werkzeug's answer to a port in use
            continue
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
    raise RuntimeError("no free port in 5300-5399 for the OpenID provider")


@contextlib.contextmanager
def running_provider() -> Iterator[Provider]:
    """The provider in a thread, with our site registered as a client (a real id and secret:
    the provider refuses any other)."""
    import oidc_provider_mock  # here, so its import warnings meet the suite's filters

    server = serve_in_range(oidc_provider_mock.app(require_client_registration=True,
                                           require_nonce=True))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    issuer = f"http://127.0.0.1:{server.server_port}"
    try:
        yield Provider(issuer, "", "").register("http://localhost/sso/callback")
    finally:
        server.shutdown()
        server.server_close()


def free_port_in_range() -> int:
    """A port in our range where nothing listens (a provider that is down)."""
    server = serve_in_range(lambda environ, start_response: [])
    port = int(server.server_port)
    server.server_close()
    return port


def start(client: FlaskClient, url: str = "/sso/login") -> str:
    """Our sign-in start: the provider's authorisation address it redirects to."""
    response = client.get(url)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location
    return response.location


def authorise(authorize_url: str, sub: str) -> str:
    """On the provider's page, choose the account: the provider sends back to our callback."""
    page = httpx.get(authorize_url, verify=_TLS)
    assert page.status_code == 200, page.text
    response = httpx.post(authorize_url, data={"sub": sub}, verify=_TLS)
    assert response.status_code == 302, response.text
    return response.headers["location"]


def callback_path(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == "/sso/callback", location
    return f"{parts.path}?{parts.query}"


def sign_in(client: FlaskClient, sub: str, url: str = "/sso/login") -> Any:
    """The whole flow; the response after our callback's redirect."""
    back = authorise(start(client, url), sub)
    return client.get(callback_path(back), follow_redirects=True)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def session_data(app: Flask, client: FlaskClient) -> dict[str, Any]:
    """What the signed session cookie holds, decoded as anyone holding it could."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    if cookie is None:
        return {}
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    data: dict[str, Any] = serializer.loads(cookie.value)
    return data
