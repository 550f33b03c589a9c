"""Steps per platform: the visitor's platform from the User-Agent, the tab opened on it, what
the sanitiser keeps of tab markup, and the lint of each platform's steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.core.content import platforms
from kb.core.content.render import render
from tests.unit.test_content import article_text, library_from, messages, run_lint, write

# Real User-Agent strings of current browsers (as each sends them).
AGENTS = {
    "windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
           "Gecko) Version/18.1 Safari/605.1.15",
    "iphone": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "android": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/131.0.0.0 Mobile Safari/537.36",
}

TABS = '''=== "Windows"

    1. Open **Start**, then **Settings**. You should see the settings.

=== "macOS"

    1. Choose the Apple menu, then **System Settings**. You should see the settings.

=== "iPhone"

    1. Open **Settings**. You should see the settings.
'''


@pytest.mark.parametrize("platform", sorted(AGENTS))
def test_platform_from_user_agent(platform: str) -> None:
    assert platforms.from_user_agent(AGENTS[platform]) == platform


def test_unknown_agents_get_no_platform() -> None:
    linux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131"
    assert platforms.from_user_agent(linux) is None
    assert platforms.from_user_agent(None) is None


def test_tabs_render_as_radios_opened_on_the_chosen_platform() -> None:
    html = render(TABS)[0]
    assert html.count('type="radio"') == 3 and 'data-platform="mac"' in html
    assert 'checked="checked" id="__tabbed_1_1"' in html  # the first tab without a choice
    mac = platforms.choose(html, "mac")
    checked = [tag for tag in mac.split("<input")[1:] if "checked" in tag.split(">")[0]]
    assert len(checked) == 1 and 'data-platform="mac"' in checked[0]
    assert platforms.choose(html, "android") == html  # no Android tab: the first one stays
    assert platforms.choose(html, "<script>") == html


def test_sanitiser_keeps_only_what_tabs_need() -> None:
    html = render('<input type="text" name="password" onfocus="x()">'
                  '<label for="password" onclick="x()">Hi</label>\n\n' + TABS)[0]
    assert 'type="text"' not in html and 'name="password"' not in html
    assert 'for="password"' not in html and "onclick" not in html and "onfocus" not in html
    assert 'name="__tabbed_1"' in html and 'for="__tabbed_1_2"' in html


def _fix_it(tmp_path: Path, steps: str) -> list[str]:
    text = article_text().replace(
        "1. Turn the printer off and on. You should see a green light.\n2. Print a test page.\n"
        "   You should see the page come out.\n", steps)
    write(tmp_path, "a.md", text)
    return messages(run_lint(library_from(tmp_path)))


def test_good_platform_steps_pass(tmp_path: Path) -> None:
    found = _fix_it(tmp_path, TABS)
    assert [m for m in found if "warning" not in m] == [], found


def test_tabs_name_only_known_platforms_once(tmp_path: Path) -> None:
    found = _fix_it(tmp_path, TABS + '\n=== "Linux"\n\n    1. Open a terminal. You should '
                    'see a prompt.\n\n=== "macOS"\n\n    1. Open Finder. You should see it.\n')
    assert any("tab 'Linux' is not a platform" in m for m in found), found
    assert any("'macOS' appears twice in one set of tabs" in m for m in found), found


def test_each_platforms_steps_are_checked(tmp_path: Path) -> None:
    steps = TABS.replace("Open **Settings**. You should see the settings.", "Open **Settings**.")
    steps += '\n=== "Android"\n\n    Tap **Settings**.\n'
    found = _fix_it(tmp_path, steps)
    assert any(":32:" in m and "each step should say" in m for m in found), found  # iPhone's
    assert any("the Android steps in 'Fix it' need numbered steps" in m for m in found), found


def test_reading_grade_is_per_platform(tmp_path: Path) -> None:
    hard = ("Notwithstanding organisational considerations, administrators occasionally "
            "necessitate comprehensive reconfiguration of peripheral infrastructure "
            "components, consequently introducing considerable operational complications.")
    steps = TABS.replace("1. Open **Settings**. You should see the settings.",
                         f"1. {hard} {hard} {hard} You should see the settings.")
    found = _fix_it(tmp_path, steps)
    grades = [m for m in found if "reading grade" in m]
    assert len(grades) == 1 and "with the iPhone steps" in grades[0], found


def test_the_index_counts_a_tab_set_once() -> None:
    from kb.core.content.article import Article

    body = TABS + '\n=== "Android"\n\n    1. Open **Settings**, then **Network & internet**. ' \
                  'You should see the settings.\n'
    text = Article(id=1, title="t", summary="s", category="c", body=body).text
    assert text.count("You should see the settings") == 1  # the first tab's steps only
    for name in ("macOS", "iPhone", "Android", "System", "Network"):
        assert name in text  # what the other platforms show can still be searched for
    assert "Choose the Apple menu" not in text and "internet" not in text
