"""An IT-worded corpus for the search benchmark, drawn from the real articles in articles/.

Words come from three real sources: the bundled articles (their words and how often each is
used, so bodies read like help-desk text with its small words), each topic's own article (the
words an article about that thing uses), and the English frequency list shipped with symspellpy
for the long tail a 20,000-article KB has (names, products, rarer words). The help desk's most
common words (password, email, screen, ...) are put in a fixed share of the articles, 15-35 %,
as in a real IT KB where a third of the articles mention a password.

Queries are what people type in a search box: one to four words of one topic, often with a
common word ("reset password"); typo queries are the same queries with one word misspelt the
way people misspell (two letters swapped, one left out or doubled, a neighbouring key).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from itertools import accumulate
from pathlib import Path

from kb.core.content.article import Article
from kb.core.content.loader import load_articles
from kb.core.search.request import is_stop
from kb.core.search.spelling import english

ARTICLES = Path(__file__).resolve().parents[1] / "articles"
# Common words and the share of articles each is in (all are words of the real articles).
COMMON = {"password": 0.30, "laptop": 0.28, "email": 0.25, "screen": 0.23, "account": 0.20,
          "outlook": 0.19, "teams": 0.17, "network": 0.16, "printer": 0.16, "vpn": 0.15}
TOPICS = 2_000  # a real article's subject plus a few words of its own
OWN_WORDS = 12  # rare words that belong to one topic (a product, a place, an app)
TAIL = (3_000, 60_000)  # ranks of the English list used as the long tail
BODY_WORDS = (180, 420)
SHARES = (0.50, 0.20, 0.25, 0.05)  # IT words, topic's article words, English tail, own words
CATEGORIES = 20
KEYS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
WORD = re.compile(r"[a-z][a-z'’-]*[a-z]")


def _weights(counts: Counter[str]) -> tuple[list[str], list[float]]:
    words = sorted(counts, key=lambda w: (-counts[w], w))
    return words, list(accumulate(counts[w] for w in words))


class ITCorpus:
    """Deterministic articles and queries from one seed."""

    def __init__(self, seed: int, folder: Path = ARTICLES):
        self.rng = random.Random(seed)
        self.real = sorted(load_articles(folder).articles, key=lambda a: a.id)
        every: Counter[str] = Counter()
        self.by_article: list[tuple[list[str], list[float]]] = []
        for a in self.real:
            found = [w for w in WORD.findall(f"{a.title} {a.summary} {a.text}".lower())
                     if w not in COMMON]
            every.update(found)
            self.by_article.append(_weights(Counter(w for w in found if not is_stop(w))))
        self.general = _weights(every)
        ranked = sorted(english().items(), key=lambda p: -p[1])[TAIL[0]:TAIL[1]]
        tail = [w for w, _c in ranked if w.isalpha() and w not in every]
        self.tail = (tail, list(accumulate(1.0 / r for r in range(1, len(tail) + 1))))
        self.own = [self.rng.sample(tail[:20_000], OWN_WORDS) for _ in range(TOPICS)]

    def _pick(self, table: tuple[list[str], list[float]], k: int) -> list[str]:
        return self.rng.choices(table[0], cum_weights=table[1], k=k) if k else []

    def _mix(self, topic: int, k: int, shares: tuple[float, ...]) -> list[str]:
        counts = [0, 0, 0, 0]
        for _ in range(k):
            counts[self.rng.choices(range(4), weights=shares)[0]] += 1
        words = (self._pick(self.general, counts[0])
                 + self._pick(self.by_article[topic % len(self.real)], counts[1])
                 + self._pick(self.tail, counts[2])
                 + self.rng.choices(self.own[topic], k=counts[3]))
        self.rng.shuffle(words)
        return words

    def _common(self, words: list[str], scale: float = 1.0) -> list[str]:
        for word, share in COMMON.items():
            if self.rng.random() < share * scale:
                for _ in range(self.rng.choice((1, 1, 2, 3)) if scale == 1.0 else 1):
                    words.insert(self.rng.randrange(len(words) + 1), word)
        return words

    def article(self, number: int) -> Article:
        topic = self.rng.randrange(TOPICS)
        base = self.real[topic % len(self.real)]
        title = " ".join(self._mix(topic, self.rng.randint(3, 6), (0.2, 0.5, 0.0, 0.3)))
        title = " ".join(self._common(title.split(), 0.15)).capitalize()
        summary = " ".join(self._mix(topic, self.rng.randint(10, 20), (0.5, 0.3, 0.1, 0.1)))
        words = self._common(self._mix(topic, self.rng.randint(*BODY_WORDS), SHARES))
        sentences = [" ".join(words[i:i + 12]).capitalize() + "."
                     for i in range(0, len(words), 12)]
        body = "\n\n".join(" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5))
        tags = tuple(dict.fromkeys([*base.tags[:3], *self.rng.sample(self.own[topic], 2)]))
        audience = "internal" if self.rng.random() < 0.05 else "public"
        digest = hashlib.sha1(f"{title}|{summary}|{tags}|{audience}|{body}".encode()).hexdigest()
        return Article(id=number, title=title, summary=summary.capitalize() + ".",
                       category=f"cat{topic % CATEGORIES}", body=body, tags=tags,
                       audience=audience, digest=digest)

    def query(self) -> str:
        """One to four words about one topic; two in five carry a common word."""
        topic = self.rng.randrange(TOPICS)
        size = self.rng.choice((1, 2, 2, 2, 3, 3, 4))
        words = self._mix(topic, size, (0.1, 0.6, 0.0, 0.3))
        words = [w for w in words if not is_stop(w)] or self.rng.sample(self.own[topic], 1)
        if self.rng.random() < 0.4:
            words[self.rng.randrange(len(words))] = self.rng.choice(list(COMMON))
        return " ".join(dict.fromkeys(words))

    def misspell(self, query: str) -> str | None:
        """The query with its longest word of five letters or more misspelt into a non-word."""
        words = query.split()
        long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not long:
            return None
        i = max(long, key=lambda n: len(words[n]))
        known = english()
        for _ in range(20):
            typo = self._typo(words[i])
            if typo != words[i] and typo not in known:
                return " ".join([*words[:i], typo, *words[i + 1:]])
        return None

    def _typo(self, word: str) -> str:
        rng = self.rng
        j = rng.randrange(1, len(word) - 1)  # first letters are rarely wrong
        kind = rng.choice(("swap", "drop", "double", "key"))
        if kind == "swap":
            return word[:j] + word[j + 1] + word[j] + word[j + 2:]
        if kind == "drop":
            return word[:j] + word[j + 1:]
        if kind == "double":
            return word[:j] + word[j] + word[j:]
        row = next((r for r in KEYS if word[j] in r), None)
        if row is None:
            return word
        k = row.index(word[j])
        near = [row[n] for n in (k - 1, k + 1) if 0 <= n < len(row)]
        return word[:j] + rng.choice(near) + word[j + 1:]


def requests(limit: int) -> list[str]:
    """Real requests people typed (tests/relevance.yml, each row with its public source)."""
    import yaml

    path = Path(__file__).resolve().parents[1] / "tests" / "relevance.yml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [str(r["query"]) for r in rows][:limit]
