"""Pages for everyone: home, categories, search and articles. Internal articles never appear."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..content.article import Article
from ..extensions import db
from ..inputs import arg_id, arg_page
from ..models import Feedback, SearchLog, utcnow
from ..search import SearchResults
from ..services import library, search_index
from ..softcache import rollback, soft
from ..tickets.redact import redact

bp = Blueprint("public", __name__)
log = logging.getLogger(__name__)

POPULAR_COUNT = 6


class FeedbackForm(FlaskForm):
    helpful = RadioField("Was this helpful?", choices=[("yes", "Yes"), ("no", "No")],
                         validators=[DataRequired(message="Choose Yes or No.")])
    reason = TextAreaField("What was missing or wrong? (optional)",
                           validators=[Optional(), Length(max=1000)])
    article_id = HiddenField()


def run_search(q: str, category: str | None, page: int, source: str,
               include_internal: bool = False) -> tuple[SearchResults, int | None]:
    """Search and record it (query, count, later the click), for the content worklist."""
    results = search_index().search(q, category=category, page=page,
                                    per_page=_per_page(), include_internal=include_internal)
    log_id = None
    # While the index is being rebuilt "no results" says nothing about the articles.
    if q.strip() and page == 1 and not search_index().broken:
        entry = SearchLog(query=q.strip()[:200], category=category,
                          result_count=results.total, did_you_mean=results.did_you_mean,
                          source=source)
        try:
            db.session.add(entry)
            db.session.commit()
            log_id = entry.id
        except SQLAlchemyError:  # the results matter more than the record of them
            rollback()
            log.warning("search not logged: the database is unavailable")
    return results, log_id


def _per_page() -> int:
    from flask import current_app

    return int(current_app.config["SEARCH_PER_PAGE"])


def popular_articles(limit: int = POPULAR_COUNT) -> list[Article]:
    """Most opened from search in the last 90 days, topped up with the lowest ids."""
    lib = library()

    def most_opened() -> list[int]:
        since = utcnow() - timedelta(days=90)
        return [aid for aid, _n in db.session.execute(
            select(SearchLog.clicked_article_id, func.count())
            .where(SearchLog.clicked_article_id.is_not(None), SearchLog.created_at >= since)
            .group_by(SearchLog.clicked_article_id)
            .order_by(func.count().desc())
            .limit(limit * 2)
        ).all() if aid is not None]

    # Kept briefly, and while the database is down the lowest ids stand in.
    ids: list[int] = soft(f"popular articles {limit}", most_opened, [])
    picked = [a for aid in ids if (a := lib.get(aid))][:limit]
    for article in sorted(lib.visible(), key=lambda a: a.id):
        if len(picked) >= limit:
            break
        if article not in picked:
            picked.append(article)
    return picked


@bp.app_template_global()
def article_url(article_id: int, **params: object) -> str:
    """Canonical article URL (with its slug), so result links need no redirect."""
    art = library().articles.get(article_id)
    slug = art.slug if art else None
    extra: dict[str, Any] = {k: v for k, v in params.items() if v is not None}
    return url_for("public.article", article_id=article_id, slug=slug, **extra)


@bp.app_template_global()
def public_article(article_id: int) -> Article | None:
    """A public article by id, or None: templates never show internal ones to the public."""
    return library().get(article_id)


@bp.get("/")
def home() -> str:
    lib = library()
    return render_template("home.html", popular=popular_articles(),
                           counts=lib.category_counts())


@bp.get("/categories/<category_id>")
def category(category_id: str) -> str:
    lib = library()
    cat = lib.categories.get(category_id)
    articles = lib.in_category(category_id)
    if cat is None or not articles:
        abort(404)
    return render_template("category.html", category=cat, articles=articles)


@bp.get("/search")
def search() -> str:
    q = request.args.get("q", "").strip()[:200]
    category = request.args.get("category") or None
    if category and category not in library().categories:
        category = None
    page = arg_page()
    results, log_id = run_search(q, category, page, "public")
    return render_template("search.html", q=q, results=results, category=category,
                           log_id=log_id, banners_text=q, counts=library().category_counts(),
                           rebuilding=search_index().broken)


@bp.get("/articles/<int:article_id>")
@bp.get("/articles/<int:article_id>-<slug>")
def article(article_id: int, slug: str | None = None) -> str | Response:
    art = library().get(article_id)
    if art is None:
        abort(404)
    if slug != art.slug:
        args: dict[str, Any] = request.args.to_dict()
        return redirect(url_for(".article", article_id=art.id, slug=art.slug, **args), 301)
    _record_click(arg_id("s"), art.id)
    related = search_index().related(art.id, limit=4)
    form = FeedbackForm(article_id=str(art.id))
    return render_template("article.html", article=art, related=related, form=form,
                           voted=request.args.get("voted"),
                           banners_text=f"{art.title} {' '.join(art.tags)}")


def _record_click(log_id: int | None, article_id: int) -> None:
    if not log_id:
        return
    try:
        entry = db.session.get(SearchLog, log_id)
        if entry is not None and entry.clicked_article_id is None:
            entry.clicked_article_id = article_id
            db.session.commit()
    except SQLAlchemyError:  # the article matters more than counting the click
        rollback()
        log.warning("click not recorded: the database is unavailable")


@bp.get("/a/<int:article_id>")
def short_link(article_id: int) -> Response:
    """Short link an agent can read out on the phone: /a/42."""
    art = library().get(article_id)
    if art is None:
        abort(404)
    return redirect(url_for(".article", article_id=art.id, slug=art.slug), 302)


@bp.post("/articles/<int:article_id>/feedback")
def feedback(article_id: int) -> tuple[str, int] | Response:
    art = library().get(article_id)
    if art is None:
        abort(404)
    form = FeedbackForm()
    if not form.validate_on_submit():
        related = search_index().related(art.id, limit=4)
        return render_template("article.html", article=art, related=related, form=form,
                               voted=None), 400
    # People sometimes type what they tried, passwords included: never store one.
    reason = redact((form.reason.data or "").strip()).text or None
    db.session.add(Feedback(article_id=art.id, helpful=form.helpful.data == "yes",
                            reason=reason))
    db.session.commit()
    flash("Thank you. Your answer helps us make this page better.")
    voted = "yes" if form.helpful.data == "yes" else "no"
    return redirect(url_for(".article", article_id=art.id, slug=art.slug, voted=voted)
                    + "#feedback")
