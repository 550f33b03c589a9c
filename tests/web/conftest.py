"""Fixtures for the web tests that need an OpenID provider."""

from __future__ import annotations

import os
from collections.abc import Iterator

# Authlib adds an "always" warnings filter when first imported; imported here, before any
# test, it cannot push in front of the suite's own filters.
import authlib.deprecate  # noqa: F401
import pytest

from .sso_helpers import Provider, running_provider


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    """One real provider for the run. It serves plain HTTP on 127.0.0.1, which Authlib's
    provider side allows only with AUTHLIB_INSECURE_TRANSPORT (our site never sets it)."""
    before = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        with running_provider() as provider:
            yield provider
    finally:
        if before is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = before
