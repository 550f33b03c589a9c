"""The page's sections, each built from the aggregates of one area plus what only the files
know (article titles and review dates, wizard nodes and categories, support.yml targets).
Each returns its tables (each one CSV download) and the charts drawn above them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from kb.core.services import library, support
from kb.core.sqltime import monday
from kb.insights import charts, queries, rollup, selfservice, ticket_queries, wizard_queries
from kb.insights.charts import Chart
from kb.insights.period import Period
from kb.insights.tables import Spark, Table, share, weekly
from kb.models import utcnow


@dataclass
class Section:
    id: str
    title: str
    tables: list[Table] = field(default_factory=list)
    charts: dict[str, Chart] = field(default_factory=dict)  # table id → its chart
    figures: list[tuple[str, str]] = field(default_factory=list)  # big numbers: label, value
    definition: tuple[str, ...] = ()

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.id == table_id), None)


def _title(article_id: int) -> str:
    art = library().get(article_id, include_internal=True)
    return f"KB-{article_id} {art.title}" if art else f"KB-{article_id} (no longer there)"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


def search_section(period: Period, wizards: Any) -> Section:
    s = Section("search", "Search")
    totals, s.tables = queries.search_tables(period)
    n = totals.get("searches", 0)
    timed = totals.get("timed", 0)
    s.figures = [("Searches", f"{n:,}"),
                 ("Found nothing", _pct(share(totals.get("none"), n))),
                 ("Opened a result", _pct(share(totals.get("clicked"), n))),
                 ("Followed by a ticket within 30 minutes", _pct(share(totals.get("soon"), n))),
                 ("Mean time to answer",
                  f"{round(totals['latency'] / timed)} ms" if timed else "–")]
    positions = s.table("click-position")
    if positions is not None:
        s.charts["click-position"] = charts.bar_chart(
            "Searches by the result opened", [(str(r[0]), float(r[1])) for r in positions.rows])
    return s


def article_section(period: Period, wizards: Any) -> Section:
    s = Section("articles", "Articles")
    lib = library()
    views = queries.article_views(period)
    votes = queries.helpful_votes(period)
    weeks = period.weeks()
    ids = sorted(set(views) | set(votes), key=lambda a: (-views.get(a, {}).get("views", 0), a))
    rows = []
    for aid in ids:
        v = views.get(aid, {"views": 0, "ticket": 0, "calm": 0, "weeks": {}})
        yes, no = votes.get(aid, (0, 0))
        rows.append([_title(aid), v["views"], v["ticket"], yes, no, share(yes, yes + no),
                     share(v["calm"], v["views"]), weekly(weeks, v["weeks"])])
    s.tables.append(Table(
        "article-views", "Views and votes",
        ["Article", "Views", "Then a ticket", "Helpful: yes", "Helpful: no", "Yes %",
         "Deflection %", "Weekly views"], rows,
        "'Then a ticket': views followed by a ticket from the same browser within 30 "
        "minutes. Deflection: the share of views no ticket followed in the next 24 hours "
        "(an estimate)."))
    s.tables.append(Table(
        "no-reasons", "Why people said No", ["Article", "When", "Reason"],
        [[_title(aid), when.strftime("%Y-%m-%d %H:%M"), reason]
         for aid, reason, when in queries.no_reasons(period)],
        "The newest 'Not helpful' votes that said what was missing or wrong."))
    opened = {a for a, v in views.items() if v["views"]}
    never = [a for a in sorted(lib.visible(), key=lambda a: a.id) if a.id not in opened]
    s.tables.append(Table("never-opened", "Articles nobody opened",
                          ["Article", "Category", "Owner"],
                          [[f"KB-{a.id} {a.title}", a.category, a.owner] for a in never],
                          "Public articles with no views in the period."))
    today = utcnow().date()
    stale = sorted((a for a in lib.visible(include_internal=True) if a.overdue(today)),
                   key=lambda a: (a.review_due or today, a.id))
    s.tables.append(Table(
        "past-review", "Articles past their review date", ["Article", "Owner", "Review due"],
        [[f"KB-{a.id} {a.title}", a.owner, a.review_due.isoformat() if a.review_due else ""]
         for a in stale]))
    top = rows[:12]
    s.charts["article-views"] = charts.bar_chart(
        "Most viewed articles", [(str(r[0]).split(" ")[0], float(r[1])) for r in top])
    return s


def wizard_section(period: Period, wizards: dict[str, Any]) -> Section:
    s = Section("wizards", "Wizards")
    per = wizard_queries.per_wizard(period)
    s.tables.append(Table(
        "wizards", "Wizards", ["Wizard", "Runs", "That worked", "Handed off",
                               "Moved to another wizard", "File versions", "Deflection %"],
        [[_wizard_title(wizards, w), runs, ok, handed, goto, versions, share(calm, people)]
         for w, runs, ok, handed, goto, versions, people, calm in per],
        "Runs that reached the end, a hand-off to a ticket or another wizard. Deflection: "
        "the share of people who used it and sent no ticket in the next 24 hours."))
    nodes = wizard_queries.per_node(period)
    rows = []
    for wid in sorted({w for w, _n in nodes}):
        wizard = wizards.get(wid)
        order = list(wizard.nodes) if wizard is not None else []
        ids = sorted((n for w, n in nodes if w == wid),
                     key=lambda n: (order.index(n) if n in order else len(order), n))
        items = []
        for nid in ids:
            c = nodes[(wid, nid)]
            text = _node_text(wizard, nid)
            rows.append([_wizard_title(wizards, wid), nid, text, c["reached"], c["answered"],
                         c["left"], c["worked"] + c["resolved"], c["handed"]])
            items.append((f"{nid}: {text}" if text else nid, c["reached"], c["left"]))
        s.charts[f"funnel-{wid}"] = charts.funnel_chart(
            f"{_wizard_title(wizards, wid)}: people reaching each step", items)
    s.tables.append(Table(
        "wizard-nodes", "Each step of each wizard",
        ["Wizard", "Step", "Question", "Reached", "Answered", "Left here", "That worked",
         "Later handed off"], rows,
        "Counted in runs. 'Left here': the run stopped at this step and nothing happened "
        "for 30 minutes. 'That worked': 'Yes, that worked', or the fixed page reached."))
    open_nodes = {w.id: [n.id for n in w.nodes.values() if n.type == "open"]
                  for w in wizards.values()}
    s.tables.append(Table(
        "handoff-answers", "Answers that most often end in a hand-off",
        ["Wizard", "Step", "Answer", "Runs handed off", "Runs with this answer"],
        [[_wizard_title(wizards, w), n, v, h, total]
         for w, n, v, h, total in wizard_queries.handoff_answers(period, open_nodes)]))
    s.tables.append(Table(
        "unmatched", "What people asked that no wizard took", ["What they typed", "Times",
                                                               "Last"],
        [[t, n, last.strftime("%Y-%m-%d")] for t, n, last in
         wizard_queries.unmatched_texts(period)],
        "The general question on the home page, when it matched no wizard (passwords "
        "and codes were removed before it was kept)."))
    return s


def _wizard_title(wizards: dict[str, Any], wid: str) -> str:
    wizard = wizards.get(wid)
    return wizard.title if wizard is not None and wizard.title else wid


def _node_text(wizard: Any, node_id: str) -> str:
    node = wizard.nodes.get(node_id) if wizard is not None else None
    if node is None:
        return ""
    text = node.text or node.title
    return text if len(text) <= 80 else text[:79] + "…"


def ticket_section(period: Period, wizards: Any) -> Section:
    s = Section("tickets", "Tickets")
    weeks = period.weeks()
    cats = ticket_queries.by_category(period)
    names = library().categories
    per_week = {w: sum(c.get(w, 0) for c in cats.values()) for w in weeks}
    total = sum(per_week.values())
    s.tables.append(Table(
        "tickets-category", "Tickets by category", ["Category", "Tickets", "Weekly"],
        sorted(([_category(names, c), sum(v.values()), weekly(weeks, v)]
                for c, v in cats.items()), key=lambda r: (-int(r[1]), str(r[0])))))
    s.tables.append(Table("tickets-week", "Tickets by week", ["Week from", "Tickets"],
                          [[monday(w).isoformat(), per_week[w]] for w in weeks]))
    s.charts["tickets-week"] = charts.bar_chart(
        "Tickets each week", [(_short_day(w), float(per_week[w])) for w in weeks],
        charts.label_every(len(weeks)))
    targets = support().get("priorities") or {}
    rows = []
    for prio, n, answered, in_time, hours, resolved, fixed_in_time, fix_hours in \
            ticket_queries.by_priority(period):
        t = targets.get(prio) or {}
        rows.append([prio, n, t.get("respond_hours"), answered, share(in_time, answered),
                     _hours(hours), t.get("resolve_hours"), resolved,
                     share(fixed_in_time, resolved), _hours(fix_hours)])
    s.tables.append(Table(
        "response-times", "First response and resolution against the targets",
        ["Priority", "Tickets", "Answer target (support hours)", "Answered", "In time %",
         "Mean hours to answer", "Fix target (support hours)", "Resolved", "In time %",
         "Mean hours to fix"], rows,
        "Targets from support.yml, counted in support hours when each ticket was sent. "
        "Mean hours are clock hours."))
    fixed, again = ticket_queries.reopened(period)
    ratings = ticket_queries.satisfaction(period)
    rated = sum(ratings.values())
    happy = ratings.get(4, 0) + ratings.get(5, 0)
    mean = sum(r * n for r, n in ratings.items()) / rated if rated else None
    s.figures = [("Tickets", f"{total:,}"), ("Opened again", _pct(share(again, fixed))),
                 ("Satisfied (4 or 5 of 5)", _pct(share(happy, rated))),
                 ("Mean rating", f"{mean:.1f} of 5 ({rated} ratings)" if mean else "–")]
    s.tables.append(Table("csat", "Ratings", ["Rating", "Tickets"],
                          [[r, ratings.get(r, 0)] for r in (5, 4, 3, 2, 1)]))
    s.tables.append(Table(
        "link-rate", "Link rate per agent", ["Agent", "Resolved", "With an article",
                                             "Link rate %"],
        [[name, n, linked, share(linked, n)]
         for name, n, linked in ticket_queries.link_rate_per_agent(period)],
        "Resolved and closed tickets with at least one linked article. 60 to 80 in 100 is "
        "healthy."))
    return s


def _category(names: dict[str, Any], category: str | None) -> str:
    if category in (None, "", rollup.NONE):
        return "No category (nothing found)"
    return names[category].name if category in names else str(category)


def _say(day: date) -> str:
    return day.strftime("%d %b %Y").lstrip("0")


def _short_day(week: int) -> str:
    """'30 Nov' for the week that starts on Monday 30 November."""
    return monday(week).strftime("%d %b").lstrip("0")


def _hours(value: Any) -> float | None:
    return round(float(value), 1) if value is not None else None


def score_section(period: Period, wizards: dict[str, Any]) -> Section:
    s = Section("score", "Self-service score", definition=selfservice.DEFINITION)
    categories = {w.id: w.category for w in wizards.values() if w.category}
    got = selfservice.score(period, utcnow().date(), categories)
    weeks = period.weeks()
    rows, points = [], []
    for w in weeks:
        h, t = got["helped"].get(w, 0), got["tickets"].get(w, 0)
        ratio = round(h / t, 2) if t else None
        rows.append([monday(w).isoformat(), h, t, ratio])
        points.append((_short_day(w), ratio))
    helped, sent = got["helped"].get(None, 0), got["tickets"].get(None, 0)
    overall = round(helped / sent, 2) if sent else None
    s.figures = [("Score", f"{overall:g} to 1" if overall is not None else "–"),
                 ("Helped themselves", f"{helped:,}"),
                 ("Sent a ticket", f"{sent:,}"),
                 ("Weeks", f"{_say(monday(weeks[0]))} to "
                           f"{_say(monday(weeks[-1]) + timedelta(days=6))}")]
    s.tables.append(Table("score-week", "Self-service score by week",
                          ["Week from", "Helped themselves", "Sent a ticket", "Score"], rows))
    s.charts["score-week"] = charts.line_chart("Self-service score each week", points,
                                               charts.label_every(len(weeks)))
    names = library().categories
    cats = set(got["helped_cat"]) | set(got["tickets_cat"])
    by_cat = {c: (got["helped_cat"].get(c, 0), got["tickets_cat"].get(c, 0)) for c in cats}
    s.tables.append(Table(
        "score-category", "Self-service score by category",
        ["Category", "Helped themselves (weeks added up)", "Sent a ticket (weeks added up)",
         "Score"],
        sorted(([_category(names, c), h, t, round(h / t, 2) if t else None]
                for c, (h, t) in by_cat.items()), key=lambda r: (-int(r[1]), str(r[0]))),
        "A search counts in the category of the article opened, else of its best result."))
    return s


SECTIONS: dict[str, tuple[str, Callable[[Period, dict[str, Any]], Section]]] = {
    "score": ("Self-service score", score_section),
    "search": ("Search", search_section),
    "articles": ("Articles", article_section),
    "wizards": ("Wizards", wizard_section),
    "tickets": ("Tickets", ticket_section),
}
# Which section holds each CSV download (?panel=…).
PANELS: dict[str, str] = {
    "score-week": "score", "score-category": "score",
    "top-queries": "search", "no-results": "search", "not-confident": "search",
    "no-click": "search", "click-position": "search", "search-then-ticket": "search",
    "article-views": "articles", "no-reasons": "articles", "never-opened": "articles",
    "past-review": "articles",
    "wizards": "wizards", "wizard-nodes": "wizards", "handoff-answers": "wizards",
    "unmatched": "wizards",
    "tickets-category": "tickets", "tickets-week": "tickets", "response-times": "tickets",
    "csat": "tickets", "link-rate": "tickets",
}
__all__ = ["PANELS", "SECTIONS", "Section", "Spark"]
