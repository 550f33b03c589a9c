"""Database tables, one module per area once the file passed 400 lines. Articles and wizards
live in files; the database holds what people do: searches, votes, wizard runs, tickets,
agents, outages and email. Import tables from here (``from kb.models import Ticket``)."""

from __future__ import annotations

from kb.models.base import new_token, utcnow
from kb.models.learning import ArticleDraft, SearchOverride, WorklistItem
from kb.models.logs import (
    ArticleView,
    Feedback,
    RolledUpWeek,
    ScoreWeek,
    SearchLog,
    WizardEvent,
    WizardRun,
)
from kb.models.mail import InboundMessage, OutboxEmail
from kb.models.people import Agent, Invitation, Requester
from kb.models.problems import KnownError, KnownErrorTicket
from kb.models.search import SearchDocument, SearchWord
from kb.models.tickets import (
    ArticleFlag,
    Attachment,
    Outage,
    OutageUpdate,
    Ticket,
    TicketArticle,
    TicketEvent,
)

__all__ = [
    "Agent",
    "ArticleDraft",
    "ArticleFlag",
    "ArticleView",
    "Attachment",
    "Feedback",
    "InboundMessage",
    "Invitation",
    "KnownError",
    "KnownErrorTicket",
    "Outage",
    "OutageUpdate",
    "OutboxEmail",
    "Requester",
    "RolledUpWeek",
    "ScoreWeek",
    "SearchDocument",
    "SearchLog",
    "SearchOverride",
    "SearchWord",
    "Ticket",
    "TicketArticle",
    "TicketEvent",
    "WizardEvent",
    "WizardRun",
    "WorklistItem",
    "new_token",
    "utcnow",
]
