"""Organisation sign-in with OpenID Connect (Authlib): requesters and agents sign in with the
organisation's provider; a group claim decides who is an agent or a lead. Off, with no route
at all, while ``OIDC_ISSUER`` is empty."""

from __future__ import annotations

from flask import Flask

from kb.core.identity import sso_enabled

__all__ = ["init_sso", "sso_enabled"]


def init_sso(app: Flask) -> None:
    """Register the provider and the sign-in routes, only when an issuer is configured."""
    if not sso_enabled(app):
        return
    from kb.sso.oidc import register_provider
    from kb.sso.routes import bp

    register_provider(app)
    app.register_blueprint(bp)
