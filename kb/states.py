"""The closed sets of values the database stores, one StrEnum each. The tables store them as
text with a CHECK constraint (kb/dbtypes.py: ``closed_set``), so no other value gets in, even
by hand; forms and checks build their choices from these. Kept free of imports so the
tables can use them (``kb.tickets.lifecycle`` re-exports the ticket ones).

Adding a value needs a migration that replaces the column's CHECK constraint."""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in progress"
    WAITING = "waiting on user"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    """P1 (critical) to P4 (low); support.yml gives each its name and response target."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class TicketEventKind(StrEnum):
    """What a timeline entry records (written only by ``lifecycle.record``)."""

    CREATED = "created"
    COMMENT = "comment"
    REPLY = "reply"
    NOTE = "note"
    STATUS = "status"
    ASSIGN = "assign"
    LINK = "link"
    ESCALATE = "escalate"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    UPDATE = "update"
    RATING = "rating"
    MERGED = "merged"  # a duplicate joined into another ticket (closed for good)
    KNOWN_ERROR = "known error"  # linked to a known error, or told that it is fixed


class AgentRole(StrEnum):
    AGENT = "agent"
    LEAD = "lead"


class EmailState(StrEnum):
    """An outbox email: queued → sending → sent, or failed once the retries are used up."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class WizardEventKind(StrEnum):
    """One funnel step of a wizard run."""

    VISIT = "visit"
    ANSWER = "answer"
    RESOLVED = "resolved"
    HANDOFF = "handoff"
    GOTO = "goto"
    ABANDON = "abandon"
    UNMATCHED = "unmatched"  # the general question reached no wizard (insights)


class WizardOutcome(StrEnum):
    """How a wizard run ended (None while it runs)."""

    RESOLVED = "resolved"
    HANDOFF = "handoff"
    ABANDONED = "abandoned"
    GOTO = "goto"  # went on into another wizard
    UNMATCHED = "unmatched"  # the general question, kept for the ticket form; no wizard ran


class InboundState(StrEnum):
    """An email that came in: held for an agent, added to a ticket, or discarded."""

    HELD = "held"
    ADDED = "added"
    DISCARDED = "discarded"


class WorklistKind(StrEnum):
    """What a content worklist item is about (kb/insights/worklist.py computes them)."""

    SEARCH = "search"  # a group of searches that found nothing or only weak matches
    UNHELPFUL = "unhelpful"  # an article people voted "not helpful"
    FLAG = "flag"  # an article agents flagged
    STALE = "stale"  # an article past its review date
    DROP_OUT = "drop-out"  # a wizard step where many people leave
    CLUSTER = "ticket-cluster"  # tickets with the same words and no linked article


class WorklistState(StrEnum):
    """A lead's decision on a worklist item; the evidence itself is always computed."""

    OPEN = "open"
    SNOOZED = "snoozed"
    CLOSED = "closed"


class WorklistAction(StrEnum):
    """What was done when an item was closed."""

    SYNONYM = "synonym"  # search now treats the words as a synonym
    PIN = "pin"  # search now puts one article first for these words
    NEW_ARTICLE = "new article"
    EDITED = "edited"  # the article was changed
    WIZARD = "wizard"  # the wizard was changed
    NOTHING = "nothing"  # looked at: nothing to change


class OverrideKind(StrEnum):
    """A change to search made from the worklist, kept in the database (no deploy)."""

    SYNONYM = "synonym"
    PIN = "pin"


class KnownErrorStatus(StrEnum):
    """A known error (ITIL problem management): investigating → known error → fixed."""

    INVESTIGATING = "investigating"
    KNOWN_ERROR = "known error"
    FIXED = "fixed"


class DraftState(StrEnum):
    """An article drafted from a ticket: waiting for its owner, published or thrown away."""

    DRAFT = "draft"
    PUBLISHED = "published"
    DISCARDED = "discarded"
