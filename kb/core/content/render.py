"""Markdown to safe HTML. Markdown passes raw HTML and ``javascript:`` links through, so
everything it produces is cleaned by nh3 before it reaches a template."""

from __future__ import annotations

import re
from typing import Any

import markdown
import nh3

from kb.core.content import platforms
from kb.core.content.glossary import Glossary

# Never `pymdownx.snippets` (reads files from disk) or `pymdownx.b64` (embeds files).
EXTENSIONS = [
    "admonition",
    "attr_list",
    "def_list",
    "tables",
    "toc",
    "pymdownx.details",
    "pymdownx.superfences",
    "pymdownx.tilde",
    "pymdownx.tasklist",
    "pymdownx.tabbed",  # steps per platform (kb.core.content.platforms)
]
EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2-3"},
    # Radio inputs + labels + CSS: tabs without JavaScript, under our strict CSP.
    "pymdownx.tabbed": {"alternate_style": True},
}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "dfn", "div", "dl",
    "dt", "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark", "ol", "p",
    "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul", "input", "label",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "input": {"type", "checked", "disabled", "name"},
    "label": {"for"},
    "td": {"align"},
    "th": {"align"},
}
# "#" for in-page anchors, relative links for our own pages.
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def _only_what_tabs_need(tag: str, attr: str, value: str) -> str | None:
    """Inputs are task-list boxes or tab radios, nothing a visitor could type into; a radio's
    name and a label's target are the ids pymdownx.tabbed makes, nothing else."""
    if tag == "input" and attr == "type":
        return value if value in ("checkbox", "radio") else None
    if tag == "input" and attr == "name":
        return value if platforms.TAB_NAME.fullmatch(value) else None
    if tag == "label" and attr == "for":
        return value if platforms.TAB_ID.fullmatch(value) else None
    return value


def clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_only_what_tabs_need,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


_H1 = re.compile(r"<h1\b", re.I)


def render(text: str, glossary: Glossary | None = None,
           link_title: str = "Link to this section") -> tuple[str, list[dict[str, str]]]:
    """Return (safe_html, table_of_contents). The title is the page's only <h1>.
    ``link_title``: the headings' permalink tooltip, in the page's language."""
    configs = {**EXTENSION_CONFIGS,
               "toc": {**EXTENSION_CONFIGS["toc"], "permalink_title": link_title}}
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=configs)
    html = md.convert(text)
    html = _H1.sub("<h2", html).replace("</h1>", "</h2>")
    html = platforms.mark(clean(html))
    if glossary is not None:
        html = glossary.mark_first_uses(html)
    toc = [{"id": t["id"], "name": t["name"]} for t in getattr(md, "toc_tokens", [])]
    return html, toc
