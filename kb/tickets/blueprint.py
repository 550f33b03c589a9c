"""The ``tickets`` blueprint object, shared by the ask pages (``routes``) and the
requester's status pages (``status_routes``) without either importing the other's routes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tickets", __name__)
