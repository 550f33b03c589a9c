"""Merging a duplicate ticket into the one that stays, as service desks do: what the
requester wrote in the duplicate moves to the other ticket's timeline, its screenshots
move with it, and the duplicate closes through the lifecycle for good.

Only tickets sent from the same email address merge: the merged timeline is shown on the
requester's status page, so merging two people's tickets would show one person another's
words. Services flush; the request commits once."""

from __future__ import annotations

from dataclasses import dataclass

from kb.extensions import db
from kb.models import Agent, Ticket
from kb.tickets import lifecycle
from kb.tickets.emails import queue_merged
from kb.tickets.hours import to_local
from kb.tickets.lifecycle import OPEN, TicketStatus

# Public events whose text the requester already saw: their own comments and our replies.
COPIED_KINDS = ("comment", "reply")


class MergeRefused(ValueError):
    """Why these two tickets cannot be merged, in words for the agent."""


@dataclass
class Side:
    """One ticket on the confirm page, with what the merge would carry over."""

    ticket: Ticket
    comments: int
    attachments: int


def same_requester(a: Ticket, b: Ticket) -> bool:
    return a.email.strip().lower() == b.email.strip().lower()


def check(duplicate: Ticket, target: Ticket) -> None:
    """Raise MergeRefused unless ``duplicate`` may be merged into ``target``."""
    if duplicate.id == target.id:
        raise MergeRefused("A ticket cannot be merged into itself. Choose the other ticket.")
    if duplicate.merged_into_id is not None:
        raise MergeRefused(f"{duplicate.reference} was already merged into "
                           f"HD-{duplicate.merged_into_id:06d}. It cannot be merged again.")
    if target.merged_into_id is not None:
        raise MergeRefused(f"{target.reference} was merged into "
                           f"HD-{target.merged_into_id:06d}. Merge into that ticket instead.")
    if not same_requester(duplicate, target):
        raise MergeRefused(
            f"{duplicate.reference} and {target.reference} were sent from different email "
            "addresses. Only one person's requests can be merged: merging them would show "
            "one person what the other wrote.")
    if TicketStatus(target.status) not in OPEN:
        raise MergeRefused(f"{target.reference} is {target.status}. Merge into an open "
                           "ticket: reopen it first, or merge it the other way round.")
    if not lifecycle.can_move(duplicate, TicketStatus.CLOSED):
        raise MergeRefused(f"{duplicate.reference} is {duplicate.status} already, so there "
                           "is nothing to merge.")


def sides(duplicate: Ticket, target: Ticket) -> tuple[Side, Side]:
    return (Side(duplicate, len(_copied(duplicate)), len(duplicate.attachments)),
            Side(target, len(_copied(target)), len(target.attachments)))


def _copied(ticket: Ticket) -> list[str]:
    """The duplicate's public comments and replies as text blocks, oldest first."""
    blocks = []
    for event in ticket.events:
        if event.public and event.kind in COPIED_KINDS and event.body.strip():
            who = "Reply from the help desk" if event.kind == "reply" else "Comment"
            when = to_local(event.created_at).strftime("%d %B %Y at %H:%M").lstrip("0")
            by = f" by {event.author}" if event.author else ""
            blocks.append(f"{who}{by}, {when}:\n{event.body.strip()}")
    return blocks


def merged_text(duplicate: Ticket) -> str:
    """One "Merged from HD-…" entry: the summary, the description, then each comment."""
    parts = [f"Merged from {duplicate.reference}: {duplicate.summary}"]
    if duplicate.description.strip():
        parts.append(duplicate.description.strip())
    parts += _copied(duplicate)
    return "\n\n".join(parts)


def merge(duplicate: Ticket, target: Ticket, by: Agent) -> None:
    """Merge, flushed: one public "merged" event and an internal note on the target, the
    attachments moved, a note on the duplicate, the duplicate closed through the lifecycle,
    and one email to the requester pointing at the target's status page."""
    check(duplicate, target)
    moved = list(duplicate.attachments)
    lifecycle.record(target, "merged", merged_text(duplicate), by.name, public=True)
    for attachment in moved:
        attachment.ticket = target
    files = f" {len(moved)} attachment(s) moved here." if moved else ""
    lifecycle.record(target, "note", f"{duplicate.reference} ({duplicate.summary}) was merged "
                     f"into this ticket by {by.name}.{files}", by.name, public=False)
    lifecycle.record(duplicate, "note", f"Merged into {target.reference} by {by.name}. Work "
                     f"on {target.reference} from now on.", by.name, public=False)
    lifecycle.merge(duplicate, target, author=by.name,
                    body=f"We joined this request with your request {target.reference}, "
                         f"so everything is in one place. Please follow {target.reference} "
                         "from now on.")
    queue_merged(duplicate, target)
    db.session.flush()
