"""Every setting README's Configuration table documents is a real one: set as a ``KB_*``
environment variable it reaches the app's config with the right type, and the app starts.
(What each one does is tested where it acts: mail, limits, proxies, sign-in, retention ...)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from kb import create_app
from kb.config import Defaults

README = Path(__file__).resolve().parents[2] / "README.md"
# Read by Flask or an extension, with no default of ours to show.
BUILT_IN = {"SECRET_KEY", "MAIL_USERNAME", "MAIL_PASSWORD"}


def documented() -> list[str]:
    text = README.read_text()
    section = text[text.index("## Configuration"):]
    section = section[:section.index("\n## ", 5)]
    rows = [line for line in section.splitlines() if line.startswith("| `KB_")]
    first_cells = [row.split("|")[1] for row in rows]
    return sorted({m for cell in first_cells for m in re.findall(r"`KB_([A-Z0-9_]+)`", cell)})


def _example(name: str) -> tuple[str, Any]:
    """A value to put in the environment, and what the config should then hold."""
    default = getattr(Defaults, name, "")
    if isinstance(default, bool):
        return "true", True
    if isinstance(default, int):
        return "7", 7
    if isinstance(default, float):
        return "1.5", 1.5
    values = {"DATABASE_URL": "sqlite:///{tmp}/other.sqlite3", "BASE_URL": "https://help.example.org",
              "REDIS_URL": "redis://127.0.0.1:6379/3",
              "RATELIMIT_STORAGE_URI": "memory://", "MAIL_DEFAULT_SENDER": "IT <it@example.org>",
              "OIDC_ISSUER": "", "OIDC_LEAD_GROUPS": "leads,heads", "SEARCH_BACKEND": "whoosh",
              "WIDGET_ORIGINS": "https://intranet.example.org, http://127.0.0.1:8080",
              "LANGUAGES": "en,fr"}
    value = values.get(name, f"/tmp/kb-{name.lower()}" if name.endswith("_DIR")
                       or name.endswith("_FILE") else f"value-{name.lower()}")
    return value, value


def test_the_table_lists_settings() -> None:
    names = documented()
    assert len(names) >= 30 and "DATABASE_URL" in names and "REDIS_URL" in names


@pytest.mark.parametrize("name", documented())
def test_each_documented_setting_is_one_the_code_knows(name: str) -> None:
    assert hasattr(Defaults, name) or name in BUILT_IN, f"KB_{name} is documented but unknown"


def test_documented_settings_reach_the_config(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    expected: dict[str, Any] = {}
    for name in documented():
        if name in ("ARTICLES_DIR", "WIZARDS_DIR", "SUPPORT_FILE", "INDEX_DIR", "UPLOAD_DIR"):
            continue  # content must exist to start: their own tests point them elsewhere
        raw, want = _example(name)
        raw = raw.replace("{tmp}", str(tmp_path))
        want = want.replace("{tmp}", str(tmp_path)) if isinstance(want, str) else want
        monkeypatch.setenv(f"KB_{name}", raw)
        expected[name] = want
    monkeypatch.setenv("KB_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True})
    wrong = {n: (app.config.get(n), v) for n, v in expected.items()
             if n not in ("DATABASE_URL",) and app.config.get(n) != v}
    assert wrong == {}
    assert str(app.config["SQLALCHEMY_DATABASE_URI"]).endswith("other.sqlite3")
