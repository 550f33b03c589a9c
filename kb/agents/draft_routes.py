"""From ticket to article, in the agent workspace (on the ``agent`` blueprint): "Draft an
article from this" on a resolved ticket, the drafts list by owner, each draft with the lint's
findings, its download, and (leads, where ARTICLES_WRITABLE is on) publishing it."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as WerkzeugResponse

from kb.agents import drafts
from kb.agents.blueprint import bp
from kb.agents.forms import EmptyForm
from kb.core.staff import current_agent
from kb.extensions import db
from kb.models import ArticleDraft, Ticket


@bp.post("/tickets/<int:ticket_id>/draft", endpoint="ticket_draft")
def ticket_draft(ticket_id: int) -> WerkzeugResponse:
    ticket = db.get_or_404(Ticket, ticket_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        draft = drafts.draft_from(ticket, current_agent())
    except ValueError as exc:
        flash(str(exc))
        return redirect(url_for("agent.ticket", ticket_id=ticket.id))
    db.session.commit()
    found = len(draft.problems)
    flash("Draft made. The lint found nothing to fix." if not found else
          f"Draft made. The lint found {found} {'thing' if found == 1 else 'things'} to look "
          "at.")
    return redirect(url_for("agent.draft", draft_id=draft.id))


@bp.get("/drafts", endpoint="drafts")
def drafts_list() -> str:
    owner = request.args.get("owner", "")[:120] or None
    rows = drafts.waiting(owner)
    owners = sorted({d.owner for d in drafts.waiting()})
    return render_template("agent/drafts.html", rows=rows, owner=owner, owners=owners,
                           errors=drafts.errors)


def _draft_or_404(draft_id: int) -> ArticleDraft:
    return db.get_or_404(ArticleDraft, draft_id)


@bp.get("/drafts/<int:draft_id>", endpoint="draft")
def draft(draft_id: int) -> str:
    item = _draft_or_404(draft_id)
    return render_template("agent/draft.html", draft=item, form=EmptyForm(),
                           errors=drafts.errors(item), is_lead=current_agent().is_lead,
                           writable=bool(current_app.config.get("ARTICLES_WRITABLE")))


@bp.get("/drafts/<int:draft_id>/download", endpoint="draft_download")
def draft_download(draft_id: int) -> Response:
    item = _draft_or_404(draft_id)
    return Response(item.body, mimetype="text/markdown",
                    headers={"Content-Disposition": f'attachment; filename="{item.filename}"'})


def _lead_form() -> None:
    if not current_agent().is_lead:
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.post("/drafts/<int:draft_id>/publish", endpoint="draft_publish")
def draft_publish(draft_id: int) -> WerkzeugResponse | tuple[str, int]:
    _lead_form()
    item = _draft_or_404(draft_id)
    try:
        number = drafts.publish(item)
    except drafts.CannotPublish as exc:
        db.session.commit()  # the lint's findings, as just checked again
        flash(str(exc))
        return redirect(url_for("agent.draft", draft_id=item.id))
    db.session.commit()
    flash(f"Published as KB-{number}. Search finds it now.")
    return redirect(url_for("agent.article", article_id=number))


@bp.post("/drafts/<int:draft_id>/discard", endpoint="draft_discard")
def draft_discard(draft_id: int) -> WerkzeugResponse:
    _lead_form()
    drafts.discard(_draft_or_404(draft_id))
    db.session.commit()
    flash("Draft thrown away.")
    return redirect(url_for("agent.drafts"))
