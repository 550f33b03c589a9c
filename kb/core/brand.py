"""The organisation's look from support.yml's ``brand:`` without touching a template: an
accent colour checked against WCAG AA, a logo and a site icon taken only from the brand folder
(``BRAND_DIR``), and the CSS that carries the colour (the CSP allows no inline style)."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
# A file name in the brand folder: no folders, no dot files, one of these endings.
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*")
IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
LOGO_TYPES = (".svg", ".png")
ICON_TYPES = (".svg", ".png", ".ico")
MAX_BYTES = 512 * 1024
AA = 4.5
# What the accent meets on the page (static/css/site.css): white text on the header bar, and
# as link colour on the white page and on the light grey boxes (--soft).
AGAINST = {"white": "#ffffff", "the light grey boxes": "#f3f2f1"}
_SVG_DANGER = re.compile(r"<\s*script|<\s*foreignObject|<!ENTITY|javascript:|\son\w+\s*=|"
                         r"(?:href|src)\s*=\s*[\"']?\s*(?:https?:|//|data:)", re.I)


def rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    a, b = sorted((luminance(one), luminance(other)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def accent_problem(value: Any) -> str | None:
    """Why this accent colour cannot be used, or None."""
    if not isinstance(value, str) or not HEX.fullmatch(value):
        return f"accent '{value}' must be a colour like \"#1d4f91\" (in quotes)"
    worst = min(AGAINST, key=lambda name: contrast(value, AGAINST[name]))
    ratio = contrast(value, AGAINST[worst])
    if ratio < AA:
        return (f"accent {value} has a contrast of {ratio:.2f}:1 against {worst}; WCAG AA "
                f"needs {AA}:1 for text: choose a darker colour")
    return None


def name_problem(value: Any, kinds: tuple[str, ...]) -> str | None:
    """A plain file name in the brand folder with one of ``kinds``' endings, or why not."""
    if not isinstance(value, str) or not FILE_NAME.fullmatch(value) \
            or Path(value).suffix.lower() not in kinds:
        return (f"'{value}' must be a file name in the brand folder ending in "
                f"{' or '.join(kinds)} (no folders)")
    return None


def file_problem(folder: Path, name: str) -> str | None:
    """Why the brand file cannot be served, or None: it must exist in the folder, be small,
    and be the image its name says (an SVG without scripts or outside links)."""
    path = Path(folder) / name
    try:
        stat = path.stat()
    except OSError:
        return f"there is no file '{name}' in the brand folder {folder}"
    return _content_problem(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _content_problem(path: str, _mtime: int, size: int) -> str | None:
    name = Path(path).name
    if size > MAX_BYTES:
        return f"'{name}' is {size // 1024} KB; keep it under {MAX_BYTES // 1024} KB"
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return f"'{name}' cannot be read: {exc}"
    suffix = Path(path).suffix.lower()
    if suffix == ".png" and not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return f"'{name}' is not a PNG image"
    if suffix == ".ico" and not data.startswith(b"\x00\x00\x01\x00"):
        return f"'{name}' is not an icon (.ico) file"
    if suffix == ".svg":
        text = data.decode("utf-8", "replace")
        if "<svg" not in text:
            return f"'{name}' is not an SVG image"
        if _SVG_DANGER.search(text):
            return (f"'{name}' holds a script, an event handler or an outside link: save it "
                    "as a plain SVG")
    return None


def file_digest(folder: Path, name: str) -> str:
    path = Path(folder) / name
    try:
        stat = path.stat()
    except OSError:
        return ""
    return _digest(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _digest(path: str, _mtime: int, _size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def css(brand: dict[str, Any]) -> str:
    """The stylesheet for the accent colour (checked hex only, so nothing else gets in)."""
    accent = brand.get("accent")
    if not isinstance(accent, str) or HEX.fullmatch(accent) is None:
        return "/* No accent colour in support.yml: the site's own colours apply. */\n"
    return ("/* Generated from support.yml's brand: accent. */\n"
            f":root {{ --accent: {accent}; --link: {accent}; --brand: {accent}; }}\n")


def css_digest(brand: dict[str, Any]) -> str:
    return hashlib.sha256(css(brand).encode()).hexdigest()[:12]
