"""The agent workspace: sign-in, article lookup during a call, flags and reports. Ticket,
team and outage pages are in the sibling ``*_routes`` modules, on the same blueprint
(``blueprint.bp``), which checks for a signed-in agent before every route but sign-in."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from kb.agents import lookup
from kb.agents.actions import DONE_STATUSES, link_article, link_rate
from kb.agents.blueprint import bp
from kb.agents.forms import EmptyForm, FlagForm, LinkFromSearchForm, LoginForm
from kb.agents.ticket_routes import render_ticket
from kb.core import staff
from kb.core.inputs import arg_id, parse_id
from kb.core.search.request import ticket_number
from kb.core.searchlog import MAX_QUERY, run_search
from kb.core.services import library, search_index
from kb.core.staff import current_agent as me
from kb.core.urls import public_url
from kb.extensions import db, limiter
from kb.models import ArticleFlag, Ticket


# ---------------------------------------------------------------- sign in and out
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def login() -> str | Response | tuple[str, int]:
    form = LoginForm(next=request.args.get("next", ""))
    failed = False
    if form.validate_on_submit():
        agent = staff.authenticate(form.email.data or "", form.password.data or "",
                                  request.remote_addr or "")
        if agent is not None:
            target = staff.safe_next(form.next.data)
            db.session.commit()
            staff.start_session(agent)
            return redirect(target)
        db.session.commit()  # the count of wrong passwords, shown to leads
        failed = True
    elif request.method == "GET" and current_user.is_authenticated:
        return redirect(url_for(".search"))
    status = 400 if request.method == "POST" else 200
    return render_template("agent/login.html", form=form, failed=failed,
                           error=staff.LOGIN_ERROR), status


@bp.post("/logout")
def logout() -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    staff.end_sessions(me())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for(".login"))


# ---------------------------------------------------------------- lookup during a call
def open_tickets() -> list[Ticket]:
    """Open tickets for "Link to ticket": the agent's own first, newest next."""
    tickets = db.session.scalars(
        select(Ticket).where(Ticket.status.not_in(DONE_STATUSES), Ticket.outage_id.is_(None))
        .order_by(Ticket.created_at.desc()).limit(100)).all()
    return sorted(tickets, key=lambda t: t.assignee_id != me().id)


def link_form(ticket_id: int | None = None) -> LinkFromSearchForm:
    form = LinkFromSearchForm(ticket_id=ticket_id)
    form.ticket_id.choices = [
        (t.id, f"{t.reference} · {t.name} · {lookup.age(t.created_at)} · {t.summary[:50]}"
               + (" (yours)" if t.assignee_id == me().id else ""))
        for t in open_tickets()]
    return form


@bp.get("/")
def search() -> str | Response:
    """Lookup during a call: "HD-000123" opens that ticket; "KB-42" or "42" puts that
    article first; anything else is a search with internal articles included."""
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    number = ticket_number(q)
    if number is not None and db.session.get(Ticket, number) is not None:
        return redirect(url_for(".ticket", ticket_id=number))
    results = run_search(q, None, 1, "agent", include_internal=True)[0] if q else None
    lib = library()
    found = [lib.get(h.id, include_internal=True) for h in results.hits] if results else []
    tickets = lookup.find_tickets(q) if q else []
    return render_template("agent/search.html", q=q, results=results,
                           articles=[a for a in found if a is not None], tickets=tickets,
                           people=lookup.people(tickets, q), age=lookup.age,
                           link_form=link_form(arg_id("ticket")))


@bp.get("/api/search")
def api_search() -> Response:
    """Results as the agent types: internal articles included and marked."""
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    if not q:
        return jsonify({"query": q, "results": []})
    results = search_index().search(q, per_page=10, include_internal=True)
    lib = library()
    out = []
    for hit in results.hits:
        art = lib.get(hit.id, include_internal=True)
        if art is None:
            continue
        out.append({
            "id": art.kb_id, "number": art.id, "title": art.title, "summary": art.summary,
            "internal": not art.is_public,
            "agent_url": url_for(".article", article_id=art.id),
            "link": public_url("public.short_link", article_id=art.id)
            if art.is_public else "",
        })
    return jsonify({"query": q, "total": results.total, "results": out})


@bp.get("/articles/<int:article_id>")
def article(article_id: int) -> str:
    art = library().get(article_id, include_internal=True)
    if art is None:
        abort(404)
    flag_form = FlagForm(flag_article=art.id, flag_ticket=request.args.get("ticket", ""))
    return render_template("agent/article.html", article=art, flag_form=flag_form,
                           link_form=link_form(arg_id("ticket")),
                           banners_text=f"{art.title} {' '.join(art.tags)}")


@bp.post("/link")
def link() -> Response:
    """"Link to ticket" from a search result or an article."""
    form = link_form()
    art = library().get(parse_id(form.article_id.data) or 0, include_internal=True)
    if not form.validate_on_submit() or art is None:
        flash("Choose an open ticket to link the article to.")
        return redirect(request.referrer or url_for(".search"))
    ticket = db.get_or_404(Ticket, form.ticket_id.data)
    added = link_article(ticket, art.id, me())
    db.session.commit()
    flash(f"{art.kb_id} linked to {ticket.reference}." if added
          else f"{art.kb_id} was already linked to {ticket.reference}.")
    return redirect(url_for(".ticket", ticket_id=ticket.id))


# ---------------------------------------------------------------- flags
@bp.post("/flags")
def flag() -> str | Response | tuple[str, int]:
    form = FlagForm()
    art = library().get(form.flag_article.data or 0, include_internal=True)
    ticket_id = parse_id(form.flag_ticket.data)
    if not form.validate_on_submit() or art is None:
        if ticket_id is not None:
            return render_ticket(db.get_or_404(Ticket, ticket_id),
                                              flag_form=form, status=400)
        if art is None:
            abort(404)
        return render_template("agent/article.html", article=art, flag_form=form,
                               link_form=link_form()), 400
    db.session.add(ArticleFlag(article_id=art.id, reason=form.flag_reason.data,
                               note=form.flag_note.data or "", agent_id=me().id,
                               ticket_id=ticket_id))
    db.session.commit()
    flash(f"Thank you. {art.kb_id} is flagged for its owner.")
    if ticket_id is not None:
        return redirect(url_for(".ticket", ticket_id=ticket_id))
    return redirect(url_for(".article", article_id=art.id))


@bp.get("/flags")
def flags() -> str:
    open_flags = db.session.scalars(
        select(ArticleFlag).where(ArticleFlag.open.is_(True))
        .order_by(ArticleFlag.created_at)).all()
    lib = library()
    rows = [(f, lib.get(f.article_id, include_internal=True)) for f in open_flags]
    return render_template("agent/flags.html", rows=rows, form=EmptyForm())


@bp.post("/flags/<int:flag_id>/done")
def flag_done(flag_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    item = db.get_or_404(ArticleFlag, flag_id)
    item.open = False
    db.session.commit()
    flash("Flag marked as done.")
    return redirect(url_for(".flags"))


# ---------------------------------------------------------------- reports
@bp.get("/reports")
def reports() -> str:
    return render_template("agent/reports.html", link_rate=link_rate(),
                           base_url=current_app.config.get("BASE_URL"))

