"""Emails about a ticket (confirmation, replies, resolution): plain text with an HTML
alternative, both from templates/email/. A failed send is logged, never raised: the ticket
is already saved and the user still sees the confirmation page."""

from __future__ import annotations

import logging
from typing import Any

from flask import render_template
from flask_mailman import EmailMultiAlternatives

from ..models import Ticket, utcnow
from ..services import support
from .hours import describe_deadline
from .service import status_url

log = logging.getLogger(__name__)


def email_context(ticket: Ticket, **ctx: Any) -> dict[str, Any]:
    """What every ticket email can use: the ticket, its status link and the deadline words."""
    cfg = support()
    deadline = (describe_deadline(ticket.respond_by, utcnow(), cfg)
                if ticket.respond_by else "")
    return {"ticket": ticket, "status_url": status_url(ticket), "deadline": deadline,
            "support": cfg, **ctx}


def send_ticket_email(ticket: Ticket, subject: str, template_name: str, **ctx: Any) -> bool:
    """Send templates/email/<template_name>.txt (+ .html) to the ticket's owner.

    The reference is added to the subject so replies thread together. Returns False, after
    logging, when the mail server cannot be reached.
    """
    context = email_context(ticket, **ctx)
    if ticket.reference not in subject:
        subject = f"{subject} ({ticket.reference})"
    subject = " ".join(subject.split())  # no line breaks: they would forge headers
    try:
        text = render_template(f"email/{template_name}.txt", **context)
        html = render_template(f"email/{template_name}.html", **context)
        message = EmailMultiAlternatives(subject=subject, body=text, to=[ticket.email])
        message.attach_alternative(html, "text/html")
        message.send()
    except Exception:
        log.exception("could not send %s email for %s", template_name, ticket.reference)
        return False
    return True
