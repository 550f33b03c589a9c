"""Emails about a ticket (confirmation, replies, resolution): plain text with an HTML
alternative, both from templates/email/. They are rendered now, while the ticket is as the
event left it, and put in the outbox (kb.core.mail): the worker sends them after the commit,
so a slow or dead mail server never slows or fails the request.

Language: an email the requester's own request queues (the confirmation, "Lost your link?",
joining an outage) is written in that request's language; one an agent's action queues is in
the default language (we do not store the requester's language on the ticket)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from kb.core.i18n import current_language, default_language
from kb.core.mail import queue_email, recently_sent
from kb.core.services import support
from kb.models import OutboxEmail, Ticket, utcnow
from kb.tickets.hours import describe_deadline
from kb.tickets.replyaddr import inbound_domain, reply_address
from kb.tickets.service import status_url


def email_context(ticket: Ticket, **ctx: Any) -> dict[str, Any]:
    """What every ticket email can use: the ticket, its status link and the deadline words."""
    cfg = support()
    deadline = (describe_deadline(ticket.respond_by, utcnow(), cfg)
                if ticket.respond_by else "")
    return {"ticket": ticket, "status_url": status_url(ticket), "deadline": deadline,
            "support": cfg, "reply_by_email": inbound_domain() is not None, **ctx}


@contextmanager
def _language(own: bool) -> Iterator[None]:
    """The reader's language for their own request's emails, else the default's."""
    with force_locale(current_language() if own else default_language()):
        yield


def queue_ticket_email(ticket: Ticket, subject: str, template_name: str, *, own: bool = False,
                       **ctx: Any) -> OutboxEmail:
    """Queue templates/email/<template_name>.txt (+ .html) to the ticket's owner.

    The reference is added to the subject so replies thread together; with INBOUND_ADDRESS
    set, Reply-To is the ticket's signed reply address, so an answer by email reaches the
    ticket (kb.tickets.inbound). Flushed with the caller's other changes; sent once they are
    committed. ``own``: the requester's own request queues it, so it is in their language
    (the caller translates ``subject``).
    """
    with _language(own):
        context = email_context(ticket, **ctx)
        if ticket.reference not in subject:
            subject = f"{subject} ({ticket.reference})"
        text = render_template(f"email/{template_name}.txt", **context)
        html = render_template(f"email/{template_name}.html", **context)
    return queue_email(
        to=ticket.email, subject=subject, template=template_name, ticket_id=ticket.id,
        reply_to=reply_address(ticket.id), text=text, html=html)


def queue_is_it_fixed(ticket: Ticket, subject: str, explanation: str) -> OutboxEmail:
    """The explanation with "Is it fixed? Yes / No" links to the user's status page."""
    return queue_ticket_email(ticket, subject, "agent_resolved", explanation=explanation,
                              yes_url=status_url(ticket) + "/confirm?answer=yes",
                              no_url=status_url(ticket) + "/confirm?answer=no")


def queue_links_again(address: str, tickets: list[Ticket]) -> OutboxEmail | None:
    """"Lost your link?": the status links of this address's requests, to the address only
    (never shown in the browser); at most one such email an hour."""
    if not tickets or recently_sent(address, "links_again"):
        return None
    from kb.tickets.service import status_label

    cfg = support()
    with _language(own=True):  # asked for on our page, by whoever has the address
        items = [{"reference": t.reference, "url": status_url(t),  # no typed text: anyone
                  "status": status_label(t.status)} for t in tickets]  # can ask
        context = {"tickets": items, "support": cfg, "title": _("Your requests")}
        subject = _("The links to your requests")
        text = render_template("email/links_again.txt", **context)
        html = render_template("email/links_again.html", **context)
    return queue_email(to=address, subject=subject, template="links_again", text=text,
                       html=html)


def queue_merged(duplicate: Ticket, target: Ticket) -> OutboxEmail:
    """"We joined your two requests": to the duplicate's address, with only the target's
    status link (the same person's: merging needs the same address) and none of the typed
    text, so it says nothing a stranger who typed the address could want."""
    context = {"duplicate": duplicate, "target": target, "target_url": status_url(target),
               "support": support(), "title": "We joined your two requests"}
    with _language(own=False):  # an agent merges
        text = render_template("email/ticket_merged.txt", **context)
        html = render_template("email/ticket_merged.html", **context)
    return queue_email(
        to=duplicate.email, subject=f"We joined your two requests ({target.reference})",
        template="ticket_merged", ticket_id=duplicate.id, text=text, html=html)
