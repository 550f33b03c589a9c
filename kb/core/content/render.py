"""Markdown to safe HTML. Markdown passes raw HTML and ``javascript:`` links through, so
everything it produces is cleaned by nh3 before it reaches a template."""

from __future__ import annotations

import re

import markdown
import nh3

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
]
EXTENSION_CONFIGS = {
    "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2-3"},
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
    "input": {"type", "checked", "disabled"},
    "td": {"align"},
    "th": {"align"},
}
# "#" for in-page anchors, relative links for our own pages.
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


_H1 = re.compile(r"<h1\b", re.I)


def render(text: str, glossary: Glossary | None = None) -> tuple[str, list[dict[str, str]]]:
    """Return (safe_html, table_of_contents). The title is the page's only <h1>."""
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    html = md.convert(text)
    html = _H1.sub("<h2", html).replace("</h1>", "</h2>")
    html = clean(html)
    if glossary is not None:
        html = glossary.mark_first_uses(html)
    toc = [{"id": t["id"], "name": t["name"]} for t in getattr(md, "toc_tokens", [])]
    return html, toc
