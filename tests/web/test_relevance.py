"""Relevance on what people type. ``relevance.yml`` holds real phrasings collected from public
trackers (each with its source); ``relevance-house.yml`` our own, kept as a regression floor.
The real set's figures (top-1, top-3, MRR, confidence, routing) are printed by
``make relevance``; here they are held to floors a little under today's, so a change that
makes search worse fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from kb.core.services import library, search_index
from kb.wizards.registry import all_wizards, route_request

HERE = Path(__file__).parent.parent
REAL = yaml.load((HERE / "relevance.yml").read_text(), Loader=yaml.CSafeLoader) or []
HOUSE = yaml.load((HERE / "relevance-house.yml").read_text(), Loader=yaml.CSafeLoader) or []


def test_the_real_set_is_real_and_points_at_public_articles(app: Flask) -> None:
    assert len(REAL) >= 150
    assert sum(1 for r in REAL if r.get("expect") is None) >= 15
    assert all(str(r.get("source", "")).startswith(("http", "github:")) for r in REAL)
    with app.app_context():
        lib, wizards = library(), all_wizards()
        wrong = [r["query"] for r in REAL if r.get("expect") is not None
                 and lib.get(int(r["expect"])) is None]
        assert wrong == []
        unknown = {r["wizard"] for r in REAL if "wizard" in r} - {*wizards, "security"}
        assert unknown == set()


@pytest.mark.parametrize("row", HOUSE, ids=[str(r["query"]) for r in HOUSE])
def test_house_phrasings_find_their_article_in_the_top_three(app: Flask,
                                                             row: dict[str, Any]) -> None:
    with app.app_context():
        results = search_index().search(str(row["query"]), per_page=3)
        top = [h.id for h in results.hits]
    assert int(row["expect"]) in top, f"{row['query']!r} gave {top}"


def _figures(app: Flask) -> dict[str, float]:
    top1 = top3 = confident = not_confident = routed = 0
    covered = [r for r in REAL if r.get("expect") is not None]
    uncovered = [r for r in REAL if r.get("expect") is None]
    with app.app_context():
        for row in REAL:
            res = search_index().search(str(row["query"]), per_page=3)
            ids = [h.id for h in res.hits]
            good = {row.get("expect"), *(row.get("also") or [])} - {None}
            if good:
                top1 += bool(ids) and ids[0] in good
                top3 += bool(good & set(ids))
                confident += res.confident
            else:
                not_confident += not res.confident
        for row in REAL:
            if row.get("wizard") and row["wizard"] != "security":
                r = route_request(str(row["query"]))
                routed += (r.wizard is not None and r.wizard.id == row["wizard"]) or (
                    r.wizard is None and r.security is None
                    and row["wizard"] in [w.id for w in r.choices])
    wizard_rows = [r for r in REAL if r.get("wizard") and r["wizard"] != "security"]
    return {"top1": top1 / len(covered), "top3": top3 / len(covered),
            "confident": confident / len(covered),
            "not_confident": not_confident / len(uncovered),
            "routed": routed / len(wizard_rows)}


def test_real_phrasings_stay_above_their_floors(app: Flask) -> None:
    got = _figures(app)
    # Measured 2026-12-01 on 306 rows: 88.8 / 95.3 / 88.0 / 77.1 / 96.8 %; on 330 rows after
    # the second pass: 89.9 / 96.8 / 87.7 / 77.4; confident 89.2 with a lone best result
    # (bench/relevance.py).
    floors = {"top1": 0.87, "top3": 0.95, "confident": 0.88, "not_confident": 0.75,
              "routed": 0.96}
    assert {k: round(v, 3) for k, v in got.items() if v < floors[k]} == {}


def test_security_requests_never_reach_a_troubleshooting_wizard(app: Flask) -> None:
    """The security page, or a pick-list led by the security article. One real row is known
    to slip through: a phishing campaign named only by its subject line ("Retrieved Delayed
    Emails"), which nothing in the words gives away."""
    rows = [r for r in REAL if r.get("wizard") == "security"]
    missed = []
    with app.app_context():
        for row in rows:
            routing = route_request(str(row["query"]))
            if not (routing.security is not None or (
                    routing.wizard is None and routing.articles
                    and routing.articles[0].category == "security")):
                missed.append(row["query"])
    assert len(rows) >= 8 and len(missed) <= 1, missed
