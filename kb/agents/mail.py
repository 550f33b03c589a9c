"""Emails from agent actions, sent through the ticket helper's ``send_ticket_email`` so every
ticket email looks the same (real SMTP via Flask-Mailman; a failed send is logged)."""

from __future__ import annotations

from typing import Any

from ..models import Ticket
from ..tickets.emails import send_ticket_email
from ..tickets.service import status_url as _status_url


def status_url(ticket: Ticket, suffix: str = "") -> str:
    """The user's status page (their secret link), as it appears in emails."""
    return _status_url(ticket) + suffix


def send(ticket: Ticket, subject: str, template: str, **ctx: Any) -> bool:
    """Send ``templates/email/<template>.txt`` (and ``.html``) to the ticket's owner."""
    return send_ticket_email(ticket, subject, template, **ctx)
