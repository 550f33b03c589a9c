"""Pages for everyone: home, categories, search and articles. Internal articles never appear."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kb.core.content import platforms
from kb.core.content.article import Article
from kb.core.inputs import arg_page
from kb.core.known_errors import public_notices
from kb.core.pagecache import page
from kb.core.privacy import redact
from kb.core.searchlog import MAX_QUERY, click_token, record_view, run_search
from kb.core.services import library, search_index, support
from kb.core.softcache import soft
from kb.extensions import db
from kb.models import Feedback, SearchLog, utcnow

bp = Blueprint("public", __name__)
log = logging.getLogger(__name__)

POPULAR_COUNT = 6
VOTED_KEY, MAX_VOTES = "voted", 100  # article ids this browser has voted on


class FeedbackForm(FlaskForm):
    helpful = RadioField(_l("Was this helpful?"), choices=[("yes", _l("Yes")), ("no", _l("No"))],
                         validators=[DataRequired(message=_l("Choose Yes or No."))])
    reason = TextAreaField(_l("What was missing or wrong? (optional)"),
                           validators=[Optional(), Length(max=1000)])
    article_id = HiddenField()


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
    for article in lib.lowest_ids(limit * 2):
        if len(picked) >= limit:
            break
        if article not in picked:
            picked.append(article)
    return picked


@bp.app_template_global()
def article_url(article_id: int, **params: object) -> str:
    """Canonical article URL (with its slug), so result links need no redirect. Built with
    ``url_for`` once per article and loaded library (a results page links ten)."""
    lib = library()
    key = (request.script_root, article_id)
    base = lib.urls.get(key)
    if base is None:
        art = lib.articles.get(article_id)
        base = url_for("public.article", article_id=article_id, slug=art.slug if art else None)
        lib.urls[key] = base
    extra: dict[str, Any] = {k: v for k, v in params.items() if v is not None}
    return f"{base}?{urlencode(extra)}" if extra else base


@bp.app_template_global()
def result_url(article_id: int, log_id: int | None) -> str:
    """A search result's link, carrying the signed click token when the search was logged."""
    return article_url(article_id, s=click_token(log_id, article_id))


@bp.app_template_global()
def public_article(article_id: int) -> Article | None:
    """A public article by id, or None: templates never show internal ones to the public."""
    return library().get(article_id)


@bp.get("/")
def home() -> str:
    popular = popular_articles()
    return page(lambda: render_template("home.html", popular=popular,
                                        counts=library().category_counts()),
                tuple(a.id for a in popular))


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
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    category = request.args.get("category") or None
    if category and category not in library().categories:
        category = None
    page = arg_page()
    exact = request.args.get("exact") == "1"
    results, log_id = run_search(q, category, page, "public", exact=exact,
                                 show_all=request.args.get("show") == "all")
    notices = public_notices(f"{q} {results.did_you_mean or ''}") if q else []
    return render_template("search.html", q=q, results=results, category=category,
                           log_id=log_id, banners_text=q, counts=library().category_counts(),
                           known_errors=notices,
                           exact="1" if exact else "", rebuilding=search_index().broken)


@bp.get("/articles/<int:article_id>")
@bp.get("/articles/<int:article_id>-<slug>")
def article(article_id: int, slug: str | None = None) -> str | Response:
    art = library().get(article_id)
    if art is None:
        abort(404)
    if slug != art.slug:
        args: dict[str, Any] = request.args.to_dict()
        return redirect(url_for(".article", article_id=art.id, slug=art.slug, **args), 301)
    record_view(request.args.get("s"), art.id)
    platform = _chosen_platform(art)

    def render() -> str:
        return render_template(
            "article.html", article=art, related=search_index().related(art.id, limit=4),
            form=FeedbackForm(article_id=str(art.id)), voted=request.args.get("voted"),
            banners_text=f"{art.title} {' '.join(art.tags)}", **_platform_view(art, platform))

    # Kept per platform; the click token is recorded, never shown.
    return _with_platform(page(render, (platform,), ignore=("s",)))


def _chosen_platform(art: Article) -> str | None:
    """The visitor's platform for an article with platform tabs: ``?platform=`` (a link that
    works without JavaScript), else the one they chose before (cookie), else the
    User-Agent's; None when the article has no tabs."""
    if not platforms.has_tabs(art.html):
        return None
    asked = request.args.get("platform")
    chosen = request.cookies.get(platforms.COOKIE)
    return (asked if asked in platforms.PLATFORMS else None) or (
        chosen if chosen in platforms.PLATFORMS else None) or platforms.from_user_agent(
        request.headers.get("User-Agent"))


def _platform_view(art: Article, platform: str | None) -> dict[str, Any]:
    """The article's HTML opened on that platform."""
    if platform is None:
        return {"article_html": art.html, "platform": None}
    return {"article_html": platforms.choose(art.html, platform), "platform": platform,
            "platforms": platforms.PLATFORMS}


def _with_platform(body: str) -> Response:
    """Remember a ``?platform=`` choice for a year; the page differs by cookie and agent."""
    response = make_response(body)
    asked = request.args.get("platform")
    if asked in platforms.PLATFORMS:
        response.set_cookie(platforms.COOKIE, asked, max_age=365 * 86400, samesite="Lax",
                            secure=request.is_secure)
    response.vary.update(("Cookie", "User-Agent"))
    return response


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
                               voted=None, **_platform_view(art, _chosen_platform(art))), 400
    voted = [v for v in session.get(VOTED_KEY, []) if isinstance(v, int)]
    if art.id in voted:  # one vote per page per visitor: votes feed the content worklist
        flash(_("You have already told us about this page. Thank you."))
        return redirect(url_for(".article", article_id=art.id, slug=art.slug) + "#feedback")
    session[VOTED_KEY] = [*voted, art.id][-MAX_VOTES:]
    # People sometimes type what they tried, passwords included: never store one.
    reason = redact((form.reason.data or "").strip()).text or None
    db.session.add(Feedback(article_id=art.id, helpful=form.helpful.data == "yes",
                            reason=reason))
    db.session.commit()
    flash(_("Thank you. Your answer helps us make this page better."))
    answer = "yes" if form.helpful.data == "yes" else "no"
    return redirect(url_for(".article", article_id=art.id, slug=art.slug, voted=answer)
                    + "#feedback")


@bp.get("/about")
def about() -> str:
    cfg = support()
    return render_template("info/about.html", cfg=cfg,
                           priorities=sorted((cfg.get("priorities") or {}).items()))
