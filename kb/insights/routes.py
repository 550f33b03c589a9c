"""``/agent/insights``: the page for leads, and each panel as a CSV download.

    /agent/insights?days=30                         every section, the last 30 days
    /agent/insights?from=2026-09-01&to=2026-11-30   chosen days
    /agent/insights?days=90&format=csv&panel=no-results

Leads only (``staff.guard(lead=True)``): agents get 403, anyone signed out the sign-in page.
A bad period or panel is a 400 with the reason, never a 500."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request
from sqlalchemy import text

from kb.extensions import db
from kb.insights.blueprint import bp
from kb.insights.charts import spark_points
from kb.insights.panels import PANELS, SECTIONS, Section
from kb.insights.period import PRESETS, Period, PeriodError, parse_period
from kb.insights.tables import Spark
from kb.models import utcnow
from kb.wizards.registry import all_wizards  # the wizard files (nodes, titles), no routes

WORK_MEM = "32MB"


def _wizards() -> dict[str, Any]:
    return dict(all_wizards())


@bp.get("/insights")
def index() -> Response | tuple[str, int] | str:
    today = utcnow().date()
    try:
        period = parse_period(request.args, today)
    except PeriodError as exc:
        return _page(None, [], str(exc)), 400
    if request.args.get("format") == "csv":
        return _csv(period)
    if request.args.get("format") not in (None, "", "html"):
        return _page(period, [], "Choose the page or format=csv."), 400
    wizards = _wizards()
    roomy()
    sections = [build(period, wizards) for _title, build in SECTIONS.values()]
    db.session.commit()  # the days the score rolled up (kb.insights.rollup)
    return _page(period, sections)


def _csv(period: Period) -> Response | tuple[str, int]:
    panel = request.args.get("panel", "")
    section_id = PANELS.get(panel) if isinstance(panel, str) else None
    if section_id is None:
        return _page(period, [], "There is no such panel to download."), 400
    roomy()
    section = SECTIONS[section_id][1](period, _wizards())
    db.session.commit()
    table = section.table(panel)
    if table is None:  # every PANELS entry names a table of its section (tested)
        return _page(period, [], "There is no such panel to download."), 400
    name = f"{panel}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response("\ufeff" + table.csv(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def roomy() -> None:
    """On PostgreSQL, room for this request's groupings to stay in memory (the default 4 MB
    spills a 90-day grouping of searches to disk); SET LOCAL ends with the transaction."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))


def _page(period: Period | None, sections: list[Section], error: str = "") -> str:
    args = request.args
    return render_template(
        "insights/index.html", period=period, sections=sections, error=error,
        presets=PRESETS, is_spark=lambda v: isinstance(v, Spark), spark_points=spark_points,
        typed_from=str(args.get("from", ""))[:10], typed_to=str(args.get("to", ""))[:10])
