"""Steps per platform: an article holds Windows, macOS, iPhone and Android steps as tabs
(pymdown-extensions' ``tabbed``, radio inputs and CSS, so they work without JavaScript).
The page opens on the visitor's platform: chosen here, on the server, by moving ``checked``.

Markdown, inside any section::

    === "Windows"

        1. Select **Start** … You should see …

    === "macOS"

        1. Choose Apple menu > System Settings … You should see …
"""

from __future__ import annotations

import re

# Key (in ?platform=, the cookie and data-platform) → the tab's name, in the order tabs go.
PLATFORMS = {"windows": "Windows", "mac": "macOS", "iphone": "iPhone", "android": "Android"}
COOKIE = "kb_platform"
_BY_NAME = {name.lower(): key for key, name in PLATFORMS.items()}

# A tab opening line in Markdown, and the ids pymdownx.tabbed gives its inputs and labels.
TAB_LINE = re.compile(r'^(?P<indent>\s*)===(?P<plus>\+)?\s+"(?P<name>[^"]*)"\s*$')
TAB_NAME = re.compile(r"__tabbed_\d+")
TAB_ID = re.compile(r"__tabbed_\d+_\d+")
_LABEL = re.compile(r'<label for="(__tabbed_\d+_\d+)">(.*?)</label>', re.S)
_INPUT = re.compile(r"<input\b[^>]*>")
_ATTR = re.compile(r'\s(id|name)="([^"]*)"')


def platform_key(name: str) -> str | None:
    """'macOS' → 'mac'; None for a name that is not one of ours."""
    return _BY_NAME.get(name.strip().lower())


def from_user_agent(user_agent: str | None) -> str | None:
    """The visitor's platform from the User-Agent header, or None (Linux, ChromeOS, bots …).
    iPhone comes before Mac: an iPhone's header also says 'like Mac OS X'. iPads since
    iPadOS 13 say 'Macintosh' by default and get the Mac steps, which is what they ask for."""
    ua = user_agent or ""
    if "Android" in ua:
        return "android"
    if any(word in ua for word in ("iPhone", "iPad", "iPod")):
        return "iphone"
    if "Macintosh" in ua or "Mac OS X" in ua:
        return "mac"
    if "Windows" in ua:
        return "windows"
    return None


def mark(html: str) -> str:
    """Give each tab input of a platform tab set ``data-platform="<key>"`` (after nh3, which
    strips data attributes: this is our own markup). JavaScript and `choose` rely on it."""
    keys = {m.group(1): key for m in _LABEL.finditer(html)
            if (key := platform_key(re.sub(r"<[^>]+>", "", m.group(2))))}
    if not keys:
        return html

    def tag(m: re.Match[str]) -> str:
        attrs = dict(_ATTR.findall(m.group(0)))
        key = keys.get(attrs.get("id", ""))
        if key is None:
            return m.group(0)
        return m.group(0)[:-1] + f' data-platform="{key}">'

    return _INPUT.sub(tag, html)


def choose(html: str, platform: str | None) -> str:
    """The same HTML with every tab set that has ``platform`` opened on it; sets without it
    keep their first tab."""
    if platform not in PLATFORMS or 'data-platform="' not in html:
        return html
    wanted = f'data-platform="{platform}"'
    groups = {dict(_ATTR.findall(m.group(0))).get("name") for m in _INPUT.finditer(html)
              if wanted in m.group(0)}
    groups.discard(None)

    def swap(m: re.Match[str]) -> str:
        tag = m.group(0)
        if dict(_ATTR.findall(tag)).get("name") not in groups:
            return tag
        tag = tag.replace(' checked="checked"', "").replace(" checked", "")
        return tag[:-1] + ' checked="checked">' if wanted in tag else tag

    return _INPUT.sub(swap, html)


def has_tabs(html: str) -> bool:
    return 'data-platform="' in html
