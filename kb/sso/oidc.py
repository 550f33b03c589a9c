"""The OpenID provider as an Authlib client: discovery from the issuer's .well-known document,
PKCE (S256), state and nonce; and the pure rules that turn verified claims into a role."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from kb.states import AgentRole

PROVIDER = "org"
SCOPE = "openid email profile"


def issuer(app: Flask | None = None) -> str:
    return str((app or current_app).config["OIDC_ISSUER"]).strip().rstrip("/")


def register_provider(app: Flask) -> None:
    """One Authlib registry per app (tests build many apps against different providers)."""
    oauth = OAuth(app)
    oauth.register(
        PROVIDER,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer(app)}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": 10},
    )


def client() -> Any:
    oauth: OAuth = current_app.extensions["authlib.integrations.flask_client"]
    return oauth.create_client(PROVIDER)


def claims_options() -> dict[str, Any]:
    """The ID token must come from the configured issuer, not only the one discovery named."""
    return {"iss": {"essential": True, "values": [issuer()]}}


@dataclass(frozen=True)
class Identity:
    """What we keep from a verified ID token."""

    issuer: str
    subject: str
    email: str
    name: str
    role: AgentRole | None  # None: a requester


class ClaimsRefused(ValueError):
    """The token is genuine but lacks what we need (a subject, a verified email)."""


def _names(value: Any) -> set[str]:
    """A setting or claim given as "a, b", a list, or one value, as a set of names."""
    if value is None:
        return set()
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, Iterable):
        items = value
    else:
        items = [value]
    return {str(v).strip() for v in items if str(v).strip()}


def role_for(claims: dict[str, Any], config: dict[str, Any]) -> AgentRole | None:
    """Lead when a group is one of the lead groups, agent for an agent group, else None."""
    groups = _names(claims.get(config.get("OIDC_GROUPS_CLAIM") or "groups"))
    if groups & _names(config.get("OIDC_LEAD_GROUPS")):
        return AgentRole.LEAD
    if groups & _names(config.get("OIDC_AGENT_GROUPS")):
        return AgentRole.AGENT
    return None


def identity_from(claims: dict[str, Any], config: dict[str, Any], iss: str) -> Identity:
    """The person behind verified claims; a missing subject or unverified email is refused,
    because we match tickets by that email."""
    subject = str(claims.get("sub") or "").strip()
    email = str(claims.get("email") or "").strip().lower()
    if not subject or len(subject) > 255:
        raise ClaimsRefused("the provider sent no usable subject")
    verified = claims.get("email_verified") is True
    if not verified or "@" not in email or len(email) > 200:
        raise ClaimsRefused("the provider has no verified email address for this account")
    name = " ".join(str(claims.get("name") or "").split())[:120] or email.split("@")[0]
    return Identity(issuer=iss, subject=subject, email=email, name=name,
                    role=role_for(claims, config))
