"""``/agent/worklist``: the content worklist, on the insights blueprint.

    /agent/worklist?days=30&view=open&kind=search    the queue (every agent may read it)
    /agent/worklist/item?kind=search&key=flurbo      one item, its evidence and its forms
    /agent/worklist/search-words                     synonyms and pins made from here

Leads act (every POST: the blueprint's guard lets agents read only); a bad kind, key, period
or form is a 400 with the reason, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from kb.core import search_overrides
from kb.core.inputs import parse_id
from kb.core.services import library, search_index
from kb.core.staff import current_agent
from kb.extensions import db
from kb.insights import worklist as wl
from kb.insights import worklist_queries as q
from kb.insights.blueprint import bp
from kb.insights.period import PRESETS, Period, PeriodError, parse_period
from kb.insights.routes import roomy
from kb.insights.worklist_forms import (
    AssignItemForm,
    CloseForm,
    ItemForm,
    PinForm,
    RemoveForm,
    ReopenForm,
    SnoozeForm,
    SynonymForm,
)
from kb.models import Agent, SearchOverride, utcnow
from kb.states import WorklistAction, WorklistKind
from kb.wizards.registry import all_wizards  # the wizard files (nodes, titles), no routes

MAX_SNOOZE_DAYS = 366


class BadRequest(ValueError):
    """What is wrong with the request, in words for the page."""


class Missing(BadRequest):
    """The kind and key name no item there could be (a 404 on the item's page)."""


def _period(args: Any) -> Period:
    try:
        return parse_period(args, utcnow().date())
    except PeriodError as exc:
        raise BadRequest(str(exc)) from None


def _kind(value: Any) -> WorklistKind:
    try:
        return WorklistKind(value)
    except ValueError:
        raise Missing("There is no such kind of item.") from None


def _key(kind: WorklistKind, value: Any) -> str:
    """A key that can name an item of this kind (it may have no evidence in the period)."""
    if not isinstance(value, str) or not 0 < len(value) <= 200 or not value.isprintable():
        raise Missing("There is no such item.")
    if kind is WorklistKind.SEARCH and not q.group_exists(value):
        raise Missing("No search was grouped as these words.")
    if kind in (WorklistKind.UNHELPFUL, WorklistKind.FLAG, WorklistKind.STALE):
        number = parse_id(value)
        if number is None or str(number) != value or \
                library().get(number, include_internal=True) is None:
            raise Missing("There is no such article.")
    if kind is WorklistKind.DROP_OUT:
        wid, _, nid = value.partition("/")
        wizard = all_wizards().get(wid)
        if wizard is None or nid not in wizard.nodes:
            raise Missing("There is no such wizard step.")
    if kind is WorklistKind.CLUSTER and not q.cluster_exists(value):
        raise Missing("No ticket has these words.")
    return value


def _problem(message: str, status: int = 400) -> tuple[str, int]:
    return render_template("insights/worklist.html", items=[], error=message, period=None,
                           views=wl.VIEWS, view="open", kinds=wl.KIND_NAMES, kind=None,
                           presets=PRESETS, counts={}), status


@bp.get("/worklist")
def worklist() -> str | tuple[str, int]:
    try:
        period = _period(request.args)
        view = request.args.get("view", "open")
        if view not in wl.VIEWS:
            raise BadRequest("Choose one of the lists: to do, assigned to me, snoozed, done.")
        kind = _kind(request.args["kind"]) if request.args.get("kind") else None
    except BadRequest as exc:
        return _problem(str(exc))
    roomy()
    items = wl.worklist(period, dict(all_wizards()), view, kind, current_agent().id)
    counts: dict[str, int] = {}
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return render_template("insights/worklist.html", items=items, period=period, view=view,
                           views=wl.VIEWS, kinds=wl.KIND_NAMES, kind=kind, presets=PRESETS,
                           counts=counts, error="")


def _forms(item: wl.Item, period: Period, **given: FlaskForm) -> dict[str, FlaskForm]:
    hidden = {"kind": item.kind.value, "key": item.key, "days": str(period.preset or "")}
    forms: dict[str, FlaskForm] = {
        "assign_form": AssignItemForm(assignee=item.assignee_id or 0, **hidden),
        "snooze_form": SnoozeForm(**hidden),
        "close_form": CloseForm(**hidden),
        "reopen_form": ReopenForm(**hidden),
        "synonym_form": SynonymForm(words=_unknown(item), **hidden),
        "pin_form": PinForm(**hidden),
    }
    forms.update(given)
    forms["assign_form"].assignee.choices = _agent_choices()
    return forms


def _agent_choices() -> list[tuple[int, str]]:
    return [(0, "Nobody"), *((a.id, a.name) for a in db.session.execute(
        select(Agent.id, Agent.name).where(Agent.active.is_(True)).order_by(Agent.name)))]


def _unknown(item: wl.Item) -> str:
    """The words of the example search no article uses: what a synonym should name."""
    if item.kind is not WorklistKind.SEARCH or not item.examples:
        return ""
    return " ".join(search_index().unknown_words(item.examples[0])[:3]).lower()


def _item_page(kind: WorklistKind, key: str, period: Period, status: int = 200,
               **given: FlaskForm) -> tuple[str, int]:
    roomy()
    item = wl.one(period, dict(all_wizards()), kind, key)
    if item is None:  # nothing in this period: the item as the lead left it
        item = wl.Item(kind, key, wl.title_for(kind, key), 0, "in this period")
        wl.with_state([item])
    failed = next((f for f in given.values() if f.errors), None)
    return render_template("insights/worklist_item.html", item=item, period=period,
                           failed=failed, is_lead=current_agent().is_lead,
                           **_forms(item, period, **given)), status


@bp.get("/worklist/item")
def worklist_item() -> tuple[str, int]:
    try:
        period = _period(request.args)
        kind = _kind(request.args.get("kind"))
        key = _key(kind, request.args.get("key"))
    except BadRequest as exc:
        return _problem(str(exc), 404 if isinstance(exc, Missing) else 400)
    return _item_page(kind, key, period)


def _posted(form: ItemForm) -> tuple[WorklistKind, str, Period]:
    """The item a form names, checked (BadRequest when it names none)."""
    days = form.days.data or ""
    period = _period({"days": days} if days else {})
    kind = _kind(form.kind.data)
    return kind, _key(kind, form.key.data), period


def refusing(view: Callable[[], Any]) -> Callable[[], Any]:
    """A form that names no item, or the wrong kind of item, is a 400 with the reason."""
    @wraps(view)
    def run() -> Any:
        try:
            return view()
        except BadRequest as exc:
            db.session.rollback()
            return render_template("errors/400.html", reason=str(exc)), 400

    return run


def _back(kind: WorklistKind, key: str, period: Period, message: str) -> Response:
    db.session.commit()
    flash(message)
    args: dict[str, Any] = {"kind": kind.value, "key": key, **period.args()}
    return redirect(url_for("insights.worklist_item", **args))


@bp.post("/worklist/assign")
@refusing
def worklist_assign() -> Response | tuple[str, int]:
    form = AssignItemForm()
    kind, key, period = _posted(form)
    form.assignee.choices = _agent_choices()
    if not form.validate_on_submit():
        return _item_page(kind, key, period, 400, assign_form=form)
    agent = db.session.get(Agent, form.assignee.data) if form.assignee.data else None
    wl.assign(kind, key, agent)
    return _back(kind, key, period, f"Assigned to {agent.name if agent else 'nobody'}.")


@bp.post("/worklist/snooze")
@refusing
def worklist_snooze() -> Response | tuple[str, int]:
    form = SnoozeForm()
    kind, key, period = _posted(form)
    if form.validate_on_submit() and form.until.data is not None:
        today = utcnow().date()
        if not 0 < (form.until.data - today).days <= MAX_SNOOZE_DAYS:
            form.until.errors = [f"Choose a day after today and within {MAX_SNOOZE_DAYS} "
                                 "days."]
        else:
            wl.snooze(kind, key, form.until.data)
            return _back(kind, key, period, f"Snoozed until {form.until.data.isoformat()}.")
    return _item_page(kind, key, period, 400, snooze_form=form)


@bp.post("/worklist/close")
@refusing
def worklist_close() -> Response | tuple[str, int]:
    form = CloseForm()
    kind, key, period = _posted(form)
    if not form.validate_on_submit():
        return _item_page(kind, key, period, 400, close_form=form)
    wl.close(kind, key, WorklistAction(form.how.data), form.close_note.data or "",
             current_agent())
    return _back(kind, key, period, "Closed. It comes back if people keep running into it.")


@bp.post("/worklist/reopen")
@refusing
def worklist_reopen() -> Response:
    form = ReopenForm()
    kind, key, period = _posted(form)
    if not form.validate_on_submit():
        raise BadRequest("The form had expired. Please send it again.")
    wl.reopen(kind, key)
    return _back(kind, key, period, "Back on the list.")


@bp.post("/worklist/synonym")
@refusing
def worklist_synonym() -> Response | tuple[str, int]:
    form = SynonymForm()
    kind, key, period = _posted(form)
    if kind is not WorklistKind.SEARCH:
        raise BadRequest("Only searches can be closed with a synonym.")
    if form.validate_on_submit():
        try:
            wl.close_with_synonym(key, form.words.data or "", form.means.data or "",
                                  current_agent())
        except ValueError as exc:
            form.means.errors = [str(exc)]
        else:
            search_overrides.changed()
            return _back(kind, key, period, f"Done. Searches for “{form.words.data}” now also "
                         f"find what “{form.means.data}” finds.")
    return _item_page(kind, key, period, 400, synonym_form=form)


@bp.post("/worklist/pin")
@refusing
def worklist_pin() -> Response | tuple[str, int]:
    form = PinForm()
    kind, key, period = _posted(form)
    if kind is not WorklistKind.SEARCH:
        raise BadRequest("Only searches can be pointed at an article.")
    if form.validate_on_submit():
        number = parse_id((form.pin_article.data or "").strip().upper().removeprefix("KB-"))
        if number is None or library().get(number) is None:
            form.pin_article.errors = ["Give the ID of a public article, for example KB-12."]
        else:
            wl.close_with_pin(key, number, current_agent())
            search_overrides.changed()
            return _back(kind, key, period, f"Done. These searches now show KB-{number} first.")
    return _item_page(kind, key, period, 400, pin_form=form)


@bp.get("/worklist/search-words")
def search_words() -> str:
    rows = db.session.scalars(select(SearchOverride).where(SearchOverride.removed_at.is_(None))
                              .options(selectinload(SearchOverride.created_by))
                              .order_by(SearchOverride.id.desc())).all()
    lib = library()
    return render_template("insights/search_words.html", rows=rows, form=RemoveForm(),
                           titles={r.id: _article_name(lib, r.article_id) for r in rows},
                           is_lead=current_agent().is_lead)


def _article_name(lib: Any, article_id: int | None) -> str:
    art = lib.get(article_id or 0)
    return f"KB-{article_id} {art.title}" if art else f"KB-{article_id} (not public)"


@bp.post("/worklist/search-words/<int:override_id>/remove")
def search_words_remove(override_id: int) -> Response:
    if not RemoveForm().validate_on_submit():
        abort(400)
    if search_overrides.remove(override_id, current_agent().id) is None:
        abort(404)
    db.session.commit()
    search_overrides.changed()
    flash("Removed. Search no longer uses it.")
    return redirect(url_for("insights.search_words"))
