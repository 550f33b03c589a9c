"""Outage pages of the agent workspace: every agent sees them, only leads post and change
them (an outage banner shows on public pages, so it needs someone accountable)."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from kb.agents.blueprint import bp
from kb.core.staff import current_agent
from kb.extensions import db
from kb.models import Outage
from kb.outages import service as outages
from kb.outages.forms import OutageForm, OutageResolveForm, OutageUpdateForm
from kb.tickets.hours import from_local


def _lead_only() -> None:
    if not current_agent().is_lead:
        abort(403)


def _local_to_utc(value: datetime | None) -> datetime | None:
    """A time typed in the help desk's time zone, stored as aware UTC."""
    return None if value is None else from_local(value)


@bp.route("/outages", endpoint="outages", methods=['GET', 'POST'])
def outage_list() -> str | Response | tuple[str, int]:
    form = OutageForm()
    if form.is_submitted():
        _lead_only()
        if form.validate():
            outage = outages.create_outage(
                title=form.title.data or "", message=form.message.data or "",
                services=form.services.data or "", keywords=form.keywords.data or "",
                starts_at=_local_to_utc(form.starts_at.data),
                expected_fix_at=_local_to_utc(form.expected_fix_at.data),
                author=current_agent())
            db.session.commit()
            flash("Outage posted. It now shows as a banner where its words match.")
            return redirect(url_for("agent.outage", outage_id=outage.id))
    active = outages.active_outages()
    recent = list(db.session.scalars(select(Outage).where(Outage.resolved_at.is_not(None))
                                     .order_by(Outage.resolved_at.desc()).limit(20)))
    status = 400 if form.errors else 200
    return render_template("agent/outages.html", form=form, active=active, recent=recent,
                           counts={o.id: outages.affected_count(o) for o in active + recent},
                           is_lead=current_agent().is_lead), status


def _render_outage(outage: Outage, status: int = 200, **forms: object) -> tuple[str, int]:
    forms.setdefault("update_form", OutageUpdateForm())
    forms.setdefault("resolve_form", OutageResolveForm())
    return render_template("agent/outage.html", outage=outage, updates=list(outage.updates),
                           affected=outages.affected_count(outage),
                           is_lead=current_agent().is_lead, **forms), status


@bp.route("/outages/<int:outage_id>", endpoint="outage")
def outage_page(outage_id: int) -> tuple[str, int]:
    return _render_outage(db.get_or_404(Outage, outage_id))


@bp.route("/outages/<int:outage_id>/update", endpoint="outage_update", methods=['POST'])
def outage_update(outage_id: int) -> Response | tuple[str, int]:
    _lead_only()
    outage = db.get_or_404(Outage, outage_id)
    form = OutageUpdateForm()
    if not form.validate_on_submit():
        return _render_outage(outage, 400, update_form=form)
    outages.add_update(outage, form.update.data or "")
    db.session.commit()
    flash("Update posted.")
    return redirect(url_for("agent.outage", outage_id=outage.id))


@bp.route("/outages/<int:outage_id>/resolve", endpoint="outage_resolve", methods=['POST'])
def outage_resolve(outage_id: int) -> Response | tuple[str, int]:
    _lead_only()
    outage = db.get_or_404(Outage, outage_id)
    form = OutageResolveForm()
    if outage.resolved_at is not None:
        abort(409)
    if not form.validate_on_submit():
        return _render_outage(outage, 400, resolve_form=form)
    joined = outages.resolve_outage(outage, form.resolution.data or "")
    db.session.commit()  # the worker emails everyone who joined, one queued email each
    flash(f"Outage resolved. {len(joined)} affected people will be told by email.")
    return redirect(url_for("agent.outage", outage_id=outage.id))
