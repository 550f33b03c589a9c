"""The content worklist: one queue of things to fix, each with its evidence and a count.

The items are computed from the logs and the files every time (``worklist_queries``); only a
lead's decisions are stored, in a WorklistItem row found by the item's kind and key:
assigned to an agent, snoozed until a day, or closed with what was done. A closed item
comes back when new evidence arrives after it was closed (people still find nothing for
those words), a snoozed one on its day. Services here flush; the request commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, or_, select, update

from kb.core import search_overrides
from kb.core.inputs import parse_id
from kb.core.services import library
from kb.extensions import db
from kb.insights import worklist_queries as q
from kb.insights.period import Period
from kb.models import Agent, ArticleFlag, WorklistItem, utcnow
from kb.states import WorklistAction, WorklistKind, WorklistState

K = WorklistKind
SHOWN = 25  # open items listed per kind
# How much one piece of evidence weighs when the kinds are put in one order: a ticket cost
# someone an hour, a flag is an agent's judgement, a vote a reader's, a search a moment.
WEIGHTS = {K.CLUSTER: 3.0, K.FLAG: 3.0, K.UNHELPFUL: 2.0, K.SEARCH: 1.0, K.DROP_OUT: 1.0,
           K.STALE: 0.5}
KIND_NAMES = {K.SEARCH: "Searches that found little", K.UNHELPFUL: "Voted not helpful",
              K.FLAG: "Flagged by agents", K.STALE: "Past its review date",
              K.DROP_OUT: "Wizard step people leave", K.CLUSTER: "Tickets with no article"}
ACTION_NAMES = {WorklistAction.SYNONYM: "Added a synonym", WorklistAction.PIN:
                "Pointed the search at an article", WorklistAction.NEW_ARTICLE:
                "Wrote a new article", WorklistAction.EDITED: "Changed the article",
                WorklistAction.WIZARD: "Changed the wizard",
                WorklistAction.NOTHING: "Nothing to change"}
VIEWS = {"open": "To do", "mine": "Assigned to me", "snoozed": "Snoozed", "closed": "Done"}


class NoSuchItem(LookupError):
    """A kind and key that name nothing the worklist could show."""


@dataclass
class Item:
    kind: WorklistKind
    key: str
    title: str
    count: int
    count_label: str  # "searches found nothing", "No votes" …
    evidence: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    last: datetime | None = None
    article_id: int | None = None
    tickets: list[tuple[int, str]] = field(default_factory=list)  # clusters: (id, summary)
    state: WorklistState = WorklistState.OPEN
    assignee: str | None = None
    assignee_id: int | None = None
    snoozed_until: datetime | None = None
    closed_how: str | None = None
    note: str = ""
    closed_at: datetime | None = None
    came_back: bool = False

    @property
    def weight(self) -> float:
        return WEIGHTS[self.kind] * self.count

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]


def _article_title(article_id: int) -> str:
    art = library().get(article_id, include_internal=True)
    return f"KB-{article_id} {art.title}" if art else f"KB-{article_id} (no longer there)"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# ---------------------------------------------------------------- computing the items
def _searches(period: Period, key: str | None) -> list[Item]:
    out = []
    for g in q.search_groups(period, key):
        example = g.examples[0] if g.examples else g.key
        evidence = []
        if g.count:
            evidence.append(f"{_plural(g.count, 'search', 'searches')} found nothing")
        if g.other:
            evidence.append(f"{_plural(g.other, 'search', 'searches')} found only weak "
                            "matches")
        out.append(Item(K.SEARCH, g.key, f"Searches for “{example}”", g.count + g.other,
                        "searches", evidence, [str(e) for e in g.examples], g.last))
    return out


def _unhelpful(period: Period, key: str | None) -> list[Item]:
    out = []
    for g in q.unhelpful(period, _int(key)):
        aid = int(g.key)
        evidence = [f"{_plural(g.count, 'No vote', 'No votes')}, "
                    f"{_plural(g.other, 'Yes vote', 'Yes votes')}"]
        out.append(Item(K.UNHELPFUL, g.key, _article_title(aid), g.count, "No votes",
                        evidence, [str(r) for r in g.examples], g.last, article_id=aid))
    return out


FLAG_WORDS = {"wrong": "Wrong", "outdated": "Out of date", "unclear": "Unclear"}


def _flags(period: Period, key: str | None) -> list[Item]:
    out = []
    for g in q.open_flags(_int(key)):
        aid = int(g.key)
        notes = [f"{FLAG_WORDS.get(r, r)}: {t}" if t else FLAG_WORDS.get(r, r)
                 for r, t, _tid in g.examples]
        out.append(Item(K.FLAG, g.key, _article_title(aid), g.count, "open flags",
                        [_plural(g.count, "open flag", "open flags")], notes, g.last,
                        article_id=aid))
    return out


def _stale(period: Period, key: str | None) -> list[Item]:
    today = utcnow().date()
    overdue = [a for a in library().visible(include_internal=True) if a.overdue(today)
               and (key is None or str(a.id) == key)]
    views = q.views_of(period, [a.id for a in overdue])
    out = []
    for a in overdue:
        due = a.review_due or today
        n = views.get(a.id, 0)
        evidence = [f"Review was due on {due.isoformat()} ({(today - due).days} days ago)",
                    f"{_plural(n, 'view', 'views')} in the period", f"Owner: {a.owner}"]
        out.append(Item(K.STALE, str(a.id), f"KB-{a.id} {a.title}", n, "views", evidence,
                        last=datetime.combine(due, time.min, tzinfo=UTC), article_id=a.id))
    return out


def _drop_outs(period: Period, key: str | None, wizards: dict[str, Any]) -> list[Item]:
    pair = tuple(key.split("/", 1)) if key and "/" in key else None
    if key is not None and pair is None:
        return []
    out = []
    for g in q.drop_outs(period, pair):  # type: ignore[arg-type]
        wid, nid = g.key.split("/", 1)
        wizard = wizards.get(wid)
        node = wizard.nodes.get(nid) if wizard is not None else None
        text = (node.text or node.title) if node is not None else ""
        share = f" of {g.other} who reached it" if g.other else ""
        title = f"{wizard.title if wizard is not None else wid}: step “{text or nid}”"
        out.append(Item(K.DROP_OUT, g.key, title, g.count, "left here",
                        [f"{_plural(g.count, 'person', 'people')} left here{share}"],
                        last=g.last))
    return out


def _clusters(period: Period, key: str | None) -> list[Item]:
    out = []
    for g in q.clusters(period, key):
        tickets = [(int(i), str(s)) for i, s in g.examples]
        title = f"Tickets like “{tickets[0][1]}”" if tickets else f"Tickets about {g.key}"
        out.append(Item(K.CLUSTER, g.key, title, g.count, "tickets",
                        [f"{g.count} tickets with these words and no linked article"],
                        last=g.last, tickets=tickets))
    return out


def _int(key: str | None) -> int | None:
    if key is None:
        return None
    number = parse_id(key)
    if number is None or str(number) != key:
        raise NoSuchItem(key)
    return number


def compute(period: Period, wizards: dict[str, Any], kind: WorklistKind | None = None,
            key: str | None = None) -> list[Item]:
    """Every computed item (of one kind, or the one item ``kind``/``key``), no state yet."""
    makers = {K.SEARCH: _searches, K.UNHELPFUL: _unhelpful, K.FLAG: _flags,
              K.STALE: _stale, K.CLUSTER: _clusters}
    items: list[Item] = []
    for k in ([kind] if kind else list(K)):
        if k is K.DROP_OUT:
            items += _drop_outs(period, key, wizards)
        else:
            items += makers[k](period, key)
    return items


def with_state(items: list[Item]) -> None:
    """Each item's stored decision, read in one query for all of them."""
    by_kind: dict[str, list[str]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item.key)
    if not by_kind:
        return
    rows = db.session.scalars(select(WorklistItem).where(or_(*[
        and_(WorklistItem.kind == k, WorklistItem.key.in_(keys))
        for k, keys in by_kind.items()]))).all()
    assigned = {r.assignee_id for r in rows if r.assignee_id}
    names = {a.id: a.name for a in db.session.execute(
        select(Agent.id, Agent.name).where(Agent.id.in_(assigned)))} if assigned else {}
    found = {(r.kind, r.key): r for r in rows}
    now = utcnow()
    for item in items:
        row = found.get((item.kind, item.key))
        if row is None:
            continue
        item.assignee_id = row.assignee_id
        item.assignee = names.get(row.assignee_id) if row.assignee_id else None
        item.note, item.closed_at = row.note, row.closed_at
        item.closed_how = ACTION_NAMES.get(row.closed_how) if row.closed_how else None
        item.snoozed_until = row.snoozed_until
        item.state = row.state
        if row.state == WorklistState.SNOOZED and (row.snoozed_until is None
                                                    or row.snoozed_until <= now):
            item.state = WorklistState.OPEN
        if row.state == WorklistState.CLOSED and row.closed_at is not None \
                and item.last is not None and item.last > row.closed_at \
                and item.kind is not K.STALE:
            item.state, item.came_back = WorklistState.OPEN, True


def title_for(kind: WorklistKind, key: str) -> str:
    """A title from the key alone (an item with no evidence in the period)."""
    if kind in (K.UNHELPFUL, K.FLAG, K.STALE) and (number := parse_id(key)) is not None:
        return _article_title(number)
    if kind is K.SEARCH:
        return f"Searches grouped as “{key}”"
    if kind is K.DROP_OUT:
        return f"Wizard step {key}"
    return f"Tickets about “{key}”"


def closed(kind: WorklistKind | None = None, limit: int = 50) -> list[Item]:
    """The newest items closed (whatever the period), with what was done."""
    stmt = select(WorklistItem).where(WorklistItem.state == WorklistState.CLOSED)
    if kind is not None:
        stmt = stmt.where(WorklistItem.kind == kind)
    rows = db.session.scalars(stmt.order_by(WorklistItem.closed_at.desc()).limit(limit)).all()
    items = [Item(r.kind, r.key, title_for(r.kind, r.key), 0, "") for r in rows]
    with_state(items)
    return items


def worklist(period: Period, wizards: dict[str, Any], view: str = "open",
             kind: WorklistKind | None = None, me: int | None = None) -> list[Item]:
    """The items of one view ("open", "mine", "snoozed", "closed"), heaviest first."""
    if view == "closed":
        return closed(kind)
    items = compute(period, wizards, kind)
    with_state(items)
    if view == "mine":
        items = [i for i in items if i.assignee_id == me and i.state == WorklistState.OPEN]
    elif view == "snoozed":
        items = [i for i in items if i.state == view]
    else:
        items = [i for i in items if i.state == WorklistState.OPEN]
    items.sort(key=lambda i: (-i.weight, i.kind, i.key))
    shown: dict[str, int] = {}
    out = []
    for item in items:
        shown[item.kind] = shown.get(item.kind, 0) + 1
        if shown[item.kind] <= SHOWN:
            out.append(item)
    return out


def one(period: Period, wizards: dict[str, Any], kind: WorklistKind, key: str) -> Item | None:
    """The item ``kind``/``key`` with its state, or None when nothing in the period
    (NoSuchItem when the key cannot be one of that kind)."""
    items = compute(period, wizards, kind, key)
    with_state(items)
    return next((i for i in items if i.key == key), None)


# ---------------------------------------------------------------- a lead's decisions
def _row(kind: WorklistKind, key: str) -> WorklistItem:
    row = db.session.scalar(select(WorklistItem).where(WorklistItem.kind == kind,
                                                       WorklistItem.key == key))
    if row is None:
        row = WorklistItem(kind=kind, key=key, note="")
        db.session.add(row)
    return row


def assign(kind: WorklistKind, key: str, agent: Agent | None) -> WorklistItem:
    row = _row(kind, key)
    row.assignee_id = agent.id if agent is not None else None
    db.session.flush()
    return row


def snooze(kind: WorklistKind, key: str, until: date) -> WorklistItem:
    """Off the list until the start of ``until`` (UTC)."""
    row = _row(kind, key)
    row.state = WorklistState.SNOOZED
    row.snoozed_until = datetime.combine(until, time.min, tzinfo=UTC)
    db.session.flush()
    return row


def close(kind: WorklistKind, key: str, how: WorklistAction, note: str,
          by: Agent) -> WorklistItem:
    """Closed with what was done. An article's flags are done with it."""
    row = _row(kind, key)
    row.state, row.closed_how, row.note = WorklistState.CLOSED, how, note.strip()
    row.closed_at, row.closed_by_id, row.snoozed_until = utcnow(), by.id, None
    if kind is K.FLAG and (number := parse_id(key)) is not None:
        db.session.execute(update(ArticleFlag)
                           .where(ArticleFlag.article_id == number, ArticleFlag.open.is_(True))
                           .values(open=False).execution_options(synchronize_session=False))
    db.session.flush()
    return row


def reopen(kind: WorklistKind, key: str) -> WorklistItem:
    row = _row(kind, key)
    row.state, row.snoozed_until, row.closed_how = WorklistState.OPEN, None, None
    row.closed_at, row.closed_by_id = None, None
    db.session.flush()
    return row


def close_with_synonym(key: str, words: str, means: str, by: Agent) -> WorklistItem:
    """A search group closed by a synonym: those words now also find what ``means`` finds
    (ValueError when the words are not sane)."""
    search_overrides.add_synonym(words, means, by.id)
    return close(K.SEARCH, key, WorklistAction.SYNONYM,
                 f"Synonym added: “{words.strip()}” also finds “{means.strip()}”.", by)


def close_with_pin(key: str, article_id: int, by: Agent) -> WorklistItem:
    """A search group closed by pointing its words at a public article."""
    search_overrides.add_pin(key, article_id, by.id)
    return close(K.SEARCH, key, WorklistAction.PIN,
                 f"Searches for these words now show KB-{article_id} first.", by)
