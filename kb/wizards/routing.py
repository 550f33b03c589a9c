"""Routing the open question ("What's going wrong?") by the user's own words.

Security comes first: a clicked bad link, a phishing email, a lost or stolen device or
"someone has my password" goes to the security article with a "call us now" message, never to
a troubleshooting wizard. Otherwise every wizard is scored on the whole request (its keywords
as whole words and phrases, stemmed, and the articles it leads to among the best search
results); the request goes straight in only with a clear winner, else the closest two or three
wizards and articles are offered to pick from.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kb.core.search.request import is_stop
from kb.core.search.schema import stem_word, words
from kb.wizards.model import Wizard

log = logging.getLogger(__name__)

KEYWORD = 1.0  # one keyword (a phrase of two or more words counts PHRASE)
PHRASE = 1.5
RELATED = 2.0  # a top search result the wizard leads to, times its coverage and 1/rank
CLEAR = 1.5  # the winner must score this much, and this many times the runner-up ...
RATIO = 1.6
CHOICES = 3
SECURITY_CATEGORY = "security"  # articles of this category are never behind a wizard

DEVICE = (r"(?:work |company |office )?(?:laptop|phone|mobile|device|tablet|ipad|iphone|"
          r"macbook|notebook|badge|smartphone|cell ?phone|computer|pc)s?")
NOT_THINGS = (r"(?!\s+(?:\w+\s+)?(?:connection|signal|wifi|internet|network|sound|settings|"
              r"files?|data|power|charge))")  # "laptop lost its connection" is no theft
# Tried in order; the article is where the "call us now" page points.
SECURITY_RULES: tuple[tuple[str, int], ...] = (
    (r"\b(?:stolen|stole|theft|robbed|burgled)\b", 47),
    (rf"\b(?:lost|lose|losing|misplaced|left)\s+(?:my|our|the|a|his|her|their)?\s*{DEVICE}\b"
     rf"{NOT_THINGS}", 47),
    (rf"\b{DEVICE}\s+(?:is|was|has been|have been|got|went|seems|has gone)?\s*"
     rf"(?:lost|missing)\b{NOT_THINGS}", 47),
    (r"\b(?:click(?:ed|ing)?|open(?:ed)?|entered|typed|followed|replied)\b.*\b(?:phishing|phish"
     r"|phishy|scam|suspicious|dodgy|fake|bad|malicious|strange|weird|dangerous|fraud\w*)\b", 44),
    (r"\b(?:phishing|phish|phishy|scam|suspicious|dodgy|fake|bad|malicious|strange|weird)\b.*"
     r"\b(?:link|attachment|website|site|page)\b.*\b(?:click(?:ed|ing)?|open(?:ed)?|entered|"
     r"typed|followed)\b", 44),
    (r"\b(?:hacked|hacker|hackers|compromised|breach|breached|ransomware|ransom)\b", 44),
    (r"\b(?:send|sends|sending|sent)\s+(?:out\s+)?(?:\w+\s+)?(?:spam|junk)\b", 44),
    (r"\b(?:\d{2,}|lots?|many|several|dozens|hundreds|flood\w*)\s+(?:of\s+)?(?:\w+\s+)?(?:e-?mails?|"
     r"texts?|codes?|messages?|notifications?)\b.*\b(?:reset\w*|verif\w*|sign[\s-]?in|log[\s-]?in)\b",
     44),  # a flood of reset or sign-in codes nobody asked for: someone is trying to get in
    (r"\b(?:someone|somebody|stranger|hacker|else)\b.*\b(?:has|knows|got|stole|logged|log|"
     r"using|used|sending|sent|changed|accessed|access|into|reset)\b.*\b(?:password|account|"
     r"mailbox|e-?mail|login|sign-?in)s?\b", 44),
    (r"\b(?:my|our)\s+(?:password|account)\b.*\b(?:someone|somebody|stranger|else)\b", 44),
    (r"\b(?:phishing|phish|scam|scammer|spoof(?:ed|ing)?|impersonat\w+)\b", 32),
    (r"\b(?:virus|viruses|malware|trojan|infected|infection|spyware|adware)\b", 50),
    (r"\b(?:random|strange|weird|constant|endless)\s+pop[\s-]?ups?\b", 50),
)


@lru_cache(maxsize=1)
def _rules() -> tuple[tuple[re.Pattern[str], int], ...]:
    return tuple((re.compile(rx, re.IGNORECASE | re.DOTALL), a) for rx, a in SECURITY_RULES)


def security_article(text: str) -> int | None:
    """The security article for a request that sounds like a security problem, else None."""
    plain = " ".join(words(text[:2000]))
    for rx, article_id in _rules():
        if rx.search(plain):
            return article_id
    return None


def _keywords(wizard: Wizard) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for keyword in wizard.keywords:
        said = [w for w in words(keyword)]
        if said and not all(is_stop(w) for w in said):
            key = tuple(stem_word(w) for w in said)
            if key not in out:
                out.append(key)
    return out


def found(key: tuple[str, ...], stems: list[str]) -> bool:
    """One word anywhere; a phrase's words close together in any order ("the light is
    orange" says "orange light"), never inside another word."""
    if len(key) == 1:
        return key[0] in stems
    window = len(key) + 2
    for i, stem in enumerate(stems):
        if stem in key and set(key) <= set(stems[max(0, i - window + 1):i + window]):
            return True
    return False


@dataclass
class Routing:
    """Where the open question leads: a wizard, a pick-list, or the security page."""

    text: str
    wizard: Wizard | None = None
    choices: list[Wizard] = field(default_factory=list)
    articles: list[Any] = field(default_factory=list)  # search hits (public)
    security: int | None = None  # article id of the security page
    scores: dict[str, float] = field(default_factory=dict)


def route(text: str, wizards: list[Wizard], hits: list[Any]) -> Routing:
    """Score every available wizard on ``text``; ``hits`` are the request's search results."""
    out = Routing(text=text, articles=hits[:CHOICES])
    out.security = security_article(text)
    if out.security is not None:
        return out
    stems = [stem_word(w) for w in words(text)]
    candidates = [w for w in wizards if w.available]
    keywords = {w.id: _keywords(w) for w in candidates}
    shared: dict[tuple[str, ...], int] = {}  # a keyword several wizards have tells less
    listed: dict[int, int] = {}  # likewise an article several wizards lead to
    for wizard in candidates:
        for key in keywords[wizard.id]:
            shared[key] = shared.get(key, 0) + 1
        for article_id in set(wizard.related):
            listed[article_id] = listed.get(article_id, 0) + 1
    for wizard in candidates:
        score = sum((PHRASE if len(key) > 1 else KEYWORD) / shared[key]
                    for key in keywords[wizard.id] if found(key, stems))
        for rank, hit in enumerate(hits[:3]):
            if hit.id in wizard.related:
                score += RELATED * getattr(hit, "coverage", 1.0) / (rank + 1) / listed[hit.id]
        out.scores[wizard.id] = score
    if any(getattr(h, "category", "") == SECURITY_CATEGORY for h in hits[:3]):
        # It may be a security problem: never straight into a troubleshooting wizard.
        out.articles = sorted(hits[:CHOICES], key=lambda h: h.category != SECURITY_CATEGORY)
        out.choices = sorted((w for w in candidates if out.scores[w.id] > 0),
                             key=lambda w: (-out.scores[w.id], w.id))[:CHOICES]
        return out
    ranked = sorted((w for w in candidates if out.scores[w.id] > 0),
                    key=lambda w: (-out.scores[w.id], w.id))
    if ranked:
        best = out.scores[ranked[0].id]
        second = out.scores[ranked[1].id] if len(ranked) > 1 else 0.0
        if best >= CLEAR and best >= RATIO * second:
            out.wizard = ranked[0]
            return out
    out.choices = ranked[:CHOICES]
    return out
