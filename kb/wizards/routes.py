"""Guided troubleshooting: one question per page, plain forms and POST-redirect-GET, so it
works without JavaScript. The run lives on the server (WizardRun), found through the session."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from kb.core.health import DB_DOWN
from kb.core.known_errors import public_notices
from kb.core.pagecache import page
from kb.core.services import library, support
from kb.core.softcache import rollback
from kb.extensions import db
from kb.models import WizardRun
from kb.states import WizardOutcome
from kb.wizards.engine import Outcome, answer, begin, describe
from kb.wizards.model import Node, Wizard
from kb.wizards.registry import all_wizards, get_wizard, matching_articles, route_request
from kb.wizards.runs import (
    abandon_current,
    current_run,
    forget_text,
    record,
    remember_text,
    remembered_text,
    session_run,
)

bp = Blueprint("wizard", __name__)

MAX_ANSWER = 2000
Page = Response | str | tuple[str, int]


class EntryForm(FlaskForm):
    problem = TextAreaField(_l("What's going wrong?"), validators=[
        DataRequired(message=_l("Tell us in a few words what is going wrong.")),
        Length(max=MAX_ANSWER, message=_l("Use %(num)d characters or fewer.", num=MAX_ANSWER))])


class OpenForm(FlaskForm):
    answer = TextAreaField(validators=[
        DataRequired(message=_l("Tell us in a few words what happens.")),
        Length(max=MAX_ANSWER, message=_l("Use %(num)d characters or fewer.", num=MAX_ANSWER))])


class ChoiceForm(FlaskForm):
    answer = RadioField(validators=[InputRequired(message=_l("Choose one answer."))],
                        validate_choice=False)


class YesNoForm(FlaskForm):
    answer = RadioField(_l("Did that work?"), choices=[("yes", _l("Yes, that worked")),
                                                     ("no", _l("No, it did not work"))],
                        validators=[InputRequired(message=_l("Choose Yes or No."))])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: buttons like Start again and Continue."""


def _form_for(node: Node) -> FlaskForm:
    if node.type == "open":
        return OpenForm()
    if node.type == "choice":
        form = ChoiceForm()
        form.answer.choices = [(str(i), o.label) for i, o in enumerate(node.options)]
        return form
    if node.type in ("step", "article"):
        return YesNoForm()
    return ConfirmForm()


def _banners(wizard: Wizard) -> str:
    return " ".join([wizard.title, *wizard.keywords])


def _node_url(outcome: Outcome) -> str:
    return url_for("wizard.node", wizard_id=outcome.wizard_id, node_id=outcome.node_id)


def _wizard_or_404(wizard_id: str) -> Wizard:
    wizard = get_wizard(wizard_id)
    if wizard is None:
        abort(404)
    return wizard


# ---------------------------------------------------------------- list and general entry
@bp.get("/wizards")
def index() -> str:
    return _index_page(EntryForm())


def _index_page(form: EntryForm) -> str:
    unmatched = (remembered_text() or None) if request.args.get("nomatch") else None
    wizards = sorted(all_wizards().values(), key=lambda w: (not w.available, w.title.lower()))
    routing = route_request(unmatched) if unmatched else None
    return render_template("wizard/list.html", wizards=wizards, form=form, unmatched=unmatched,
                           choices=routing.choices if routing else [],
                           articles=routing.articles if routing else [])


@bp.post("/wizards/start")
def start() -> Response | str:
    """The general "What's going wrong?": security first; the one clear wizard, already past
    its first question; otherwise the closest wizards and articles to pick from."""
    form = EntryForm()
    if not form.validate_on_submit():
        return _index_page(form)
    text = (form.problem.data or "").strip()
    routing = route_request(text)
    if routing.security is not None or routing.wizard is None:
        remember_text(text, unmatched=routing.security is None)
        db.session.commit()
        if routing.security is not None:
            return redirect(url_for("wizard.security", article=routing.security))
        return redirect(url_for("wizard.index", nomatch=1, _anchor="matches"))
    forget_text()
    outcome = begin(routing.wizard, text)
    db.session.commit()
    return redirect(_node_url(outcome))


@bp.post("/wizards/choose/<wizard_id>")
def chosen(wizard_id: str) -> Response:
    """A wizard picked from the list after the general question: start it with the words
    already given, so its first question is not asked again."""
    wizard = _wizard_or_404(wizard_id)
    text = remembered_text().strip()
    if not ConfirmForm().validate_on_submit() or not wizard.available or not text:
        return redirect(url_for("wizard.first", wizard_id=wizard_id))
    forget_text()
    outcome = begin(wizard, text)
    db.session.commit()
    return redirect(_node_url(outcome))


@bp.get("/wizards/security")
def security() -> str:
    """"This may be a security problem": call now, then the article, never a wizard."""
    article = library().get(request.args.get("article", 0, type=int) or 0)
    said = remembered_text()
    return render_template("wizard/security.html", article=article, said=said,
                           contact=(support().get("contact") or {}))


# ---------------------------------------------------------------- one wizard
@bp.get("/wizards/<wizard_id>")
def first(wizard_id: str) -> Page:
    """Resume the run in progress, or ask the first (open) question."""
    wizard = _wizard_or_404(wizard_id)
    if not wizard.available:
        return render_template("wizard/unavailable.html", wizard=wizard), 503
    try:
        run = current_run(wizard_id)
    except DB_DOWN:  # no run to resume can be found: the first question still helps
        rollback()
        run = None
    if run is not None:
        return redirect(_node_url(Outcome(wizard_id, run.state["path"][-1])))
    node = wizard.nodes[wizard.start]
    # The first question is the same for everyone: kept rendered (kb.core.pagecache).
    return page(lambda: _render_node(wizard, node, None, _form_for(node)), objects=(wizard,))


@bp.post("/wizards/<wizard_id>/start-again")
def restart(wizard_id: str) -> Response:
    """Start again: the unfinished run counts as abandoned."""
    _wizard_or_404(wizard_id)
    if ConfirmForm().validate_on_submit():
        abandon_current()
        db.session.commit()
    return redirect(url_for("wizard.first", wizard_id=wizard_id))


@bp.route("/wizards/<wizard_id>/<node_id>", methods=["GET", "POST"])
def node(wizard_id: str, node_id: str) -> Page:
    wizard = _wizard_or_404(wizard_id)
    if not wizard.available:
        return render_template("wizard/unavailable.html", wizard=wizard), 503
    node = wizard.nodes.get(node_id)
    if node is None:
        abort(404)
    run = session_run(wizard_id)
    restart_url = url_for("wizard.first", wizard_id=wizard_id)
    if run is None or run.outcome not in (None, "resolved", "handoff"):
        if request.method == "POST" and node_id == wizard.start:
            return _begin_from_form(wizard, node)
        return redirect(restart_url)
    path: list[str] = run.state.get("path") or []
    if run.outcome is not None:  # finished: only its last page, or a fresh start
        if request.method == "POST" and node_id == wizard.start:
            return _begin_from_form(wizard, node)
        if node_id != path[-1]:
            return redirect(restart_url)
        if request.method == "POST" and run.outcome == "handoff":
            return redirect(f"/ask?run={run.key}")
        if request.method == "POST":
            return redirect(restart_url)
    elif node_id not in path:
        return redirect(_node_url(Outcome(wizard_id, path[-1])))
    change = request.args.get("change") == "1"
    if node.type == "handoff":
        return _handoff(wizard, node, run)
    form = _form_for(node)
    if request.method == "POST" and node.type in ("open", "choice", "step", "article"):
        if form.validate_on_submit():
            item = describe(node, str(form.answer.data or ""))
            if item is not None:
                outcome = answer(run, wizard, node, item, change=change)
                db.session.commit()
                return redirect(_node_url(outcome))
            form.answer.errors = ["Choose one of the answers."]
    elif request.method == "GET" and node.type != "resolved":
        previous = (run.state.get("answers") or {}).get(node_id)
        if previous and hasattr(form, "answer"):
            form.answer.data = previous.get("value")
    return _render_node(wizard, node, run, form, change=change)


def _begin_from_form(wizard: Wizard, node: Node) -> Response | str:
    form = _form_for(node)
    if not form.validate_on_submit():
        return _render_node(wizard, node, None, form)
    outcome = begin(wizard, str(form.answer.data or ""))
    db.session.commit()
    return redirect(_node_url(outcome))


def _handoff(wizard: Wizard, node: Node, run: WizardRun) -> Response | str:
    """"Here's what we understood", then on to the ticket form with every answer."""
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        if run.outcome is None:
            run.outcome = WizardOutcome.HANDOFF
            record(run, node.id, "handoff", f"/ask?run={run.key}")
            db.session.commit()
        return redirect(f"/ask?run={run.key}")
    state = run.state or {}
    answers = state.get("answers") or {}
    rows = [{"node": n, **answers[n]} for n in state.get("path", []) if n in answers]
    path = state.get("path") or []
    back = path[-2] if len(path) > 1 else None
    return render_template("wizard/check.html", wizard=wizard, node=node, run=run, rows=rows,
                           form=form, back=back, banners_text=_banners(wizard))


def _render_node(wizard: Wizard, node: Node, run: WizardRun | None, form: FlaskForm,
                 change: bool = False) -> str:
    path: list[str] = list(run.state.get("path") or []) if run else [wizard.start]
    index = path.index(node.id) if node.id in path else 0
    if change:
        back_url = url_for("wizard.node", wizard_id=wizard.id, node_id=path[-1])
    elif index > 0:
        back_url = url_for("wizard.node", wizard_id=wizard.id, node_id=path[index - 1])
    else:
        back_url = url_for("wizard.index")
    context: dict[str, Any] = {}
    if index > 0 and node.type in ("choice", "step", "article"):
        before = wizard.nodes.get(path[index - 1])
        if before is not None and before.type == "open" and before.show_articles and run:
            said = (run.state.get("answers") or {}).get(before.id, {}).get("value", "")
            context["matches"] = [h for h in matching_articles(said) if h.id != node.article]
    if node.type == "article":
        context["article"] = library().get(node.article or 0)
    if run is not None:  # what they told us so far, in their words
        said = " ".join(str(a.get("answer", "")) for a in (run.state.get("answers") or {})
                        .values() if isinstance(a, dict) and a.get("kind") == "open")
        context["known_errors"] = public_notices(said) if said.strip() else []
    template = "wizard/resolved.html" if node.type == "resolved" else "wizard/node.html"
    return render_template(
        template, wizard=wizard, node=node, run=run, form=form, change=change,
        back_url=back_url, number=wizard.question_number(path, node.id),
        action=url_for("wizard.node", wizard_id=wizard.id, node_id=node.id,
                       change=1 if change else None),
        banners_text=_banners(wizard), entry_form=EntryForm(), **context)
