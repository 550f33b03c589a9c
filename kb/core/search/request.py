"""What a request says: the article ids it names, and which of its words carry its meaning.

People paste two or three sentences from an error box or a ticket ("Hi, I am unable to print,
please help"). Greetings, politeness and small words say nothing about the problem, so they
never count toward the word cap nor toward how much of the request an article answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from whoosh.analysis.filters import STOP_WORDS

from kb.core.search.schema import WORD_RE as WORD
from kb.core.search.spelling import Speller

# "KB-42", "kb42", "KB 42", "kb#42": an article number read out on the phone.
KB_ID = re.compile(r"(?<![\w-])kb[\s#:\-]*0*(\d{1,6})(?!\w)", re.IGNORECASE)
# A bare number ("42", "#42") typed alone: an article id, in agent search only.
BARE_ID = re.compile(r"\s*#?0*(\d{1,6})\s*")
# "HD-000123", "hd123": a ticket reference (agent search opens the ticket).
TICKET_REF = re.compile(r"\s*hd[\s#:\-]*0*(\d{1,9})\s*", re.IGNORECASE)

# English function words (beyond Whoosh's list, which the index already drops).
FUNCTION_WORDS = frozenset("""
i me my mine myself we our ours you your yours he him his she her hers it its they them their
this that these those here there who whom whose which what whats what's when where why how
am is are was were be been being have has had having do does did doing done a an the and but
if or because as until while of at by for with about against between into through during
before after above below to from up down in out on off over under again further then once all
any both each few more most other some such no nor not only own same so than too very can
will just should could would shall might must may also even ever every much many lot lots
im i'm ive i've id i'd ill i'll youre you're isnt isn't arent aren't wasnt wasn't werent
weren't dont don't doesnt doesn't didnt didn't cant can't cannot couldnt couldn't wont won't
wouldnt wouldn't shouldnt shouldn't hasnt hasn't havent haven't hadnt hadn't its it's thats
that's theres there's s t etc eg ie via per like yet still already anymore
either neither whenever wherever whatever whoever however although though unless whether
along across around among amongst within without upon onto toward towards beside besides
beyond despite instead rather quite almost nearly often usually another anybody everyone
everybody everything nothing nobody none somewhere anywhere everywhere otherwise whereas
whilst thus hence therefore meanwhile perhaps maybe else one ones yes oh
""".split())

# Words every request carries whatever the problem: greetings, thanks, asking for help.
FILLER = frozenset("""
hi hello hey dear team all good morning afternoon evening please pls plz kindly thanks thank
thx ty regards cheers best sincerely appreciate appreciated help helpdesk assist assistance
support need needs needed want wants wanted trying tried try tries able unable possible
issue issues problem problems trouble troubles working work works worked anyone someone
somebody something anything thing things get gets got getting keep keeps kept seem seems
seemed suddenly today yesterday tomorrow now currently recently since ago urgent asap
quickly soon really actually basically just again know let advise advice question wondering
wonder hope hoping sure ok okay fine stopped stops stop started starts start properly
correctly randomly constantly always sometimes keeps anyway use uses used using
continue continues continued continuing continuously continually repeatedly frequently
day days daily week weeks weekly hour hours minute minutes times twice least lately
""".split())


# "C:", "C:\\", "C;/", "G drive", "g-drive": a drive letter. C is the laptop's own disk; any
# other letter is a network drive in an organisation, whatever its name.
DRIVE = re.compile(r"(?<![\w/\\.-])([a-z])(?:\s*[:;](?:[\\/]+|(?=[\s.,;)]|$))(?:\s*drive\b)?"
                   r"|[\s-]?drive\b)", re.IGNORECASE)
# A word in capitals inside a sentence ("the Goliad printer", "Hi Matt", "DELL83498") is most
# often a name: of a person, a place, a room or a product the articles do not know.
CAPITAL = re.compile(r"[A-Z][\w'’\-]*")
SENTENCE_END = re.compile(r"[.!?:;\n\"“(]\s*$")
INITIALLED = re.compile(r"\b([A-Z][a-z]{2,})\s+[A-Z](?:['’]s\b|\.)")


_NOT = (r"(?:not|no\s+longer|never|cannot|unable\s+to|fails?\s+to|stopped|"
        r"(?:won|can|isn|aren|doesn|don|didn|wasn|weren|couldn|wouldn|hasn|haven)['’]?t|"
        r"keeps?\s+(?:dropping|crashing|freezing|jamming|disconnecting|flickering))")
_BE = (r"(?:(?:is|are|was|were|has|have|had|been|be|being|still|also|just|suddenly|now|"
       r"currently|really|will|would|does|do|did|can|could|seems?\s+to|keeps?)\s+){0,3}")
# The thing that fails: the word before "isn't working" or "won't", after "problem with", or
# before "problem".
_WORD = r"([\w][\w'’\-]*)"
FOCUS = tuple(re.compile(rx, re.IGNORECASE) for rx in (
    rf"{_WORD}\s+{_BE}{_NOT}\b",
    r"\b(?:problems?|issues?|trouble|errors?|help)\s+(?:with|on|in)\s+"
    rf"(?:(?:my|the|our|a|an|his|her|their|this|that)\s+)?{_WORD}",
    rf"{_WORD}\s+(?:problems?|issues?|errors?)\b"))


# Cheap first look: text without any of these words has nothing to find.
_FOCUS_WORDS = re.compile(r"n['’]?t\b|\b(?:not|no|never|cannot|unable|fails?|stopped|keeps?|"
                          r"problems?|issues?|trouble|errors?|help)\b", re.IGNORECASE)


def focus(text: str) -> frozenset[str]:
    """Lower-cased words naming what fails ("the badge does not work", "issue with Outlook")."""
    if not _FOCUS_WORDS.search(text):
        return frozenset()
    found = {m.group(1).lower() for rx in FOCUS for m in rx.finditer(text)}
    return frozenset(w for w in found if not is_stop(w))


@dataclass(frozen=True)
class Hints:
    """What the wording says beyond the words: likely names, and the things that fail."""

    names: frozenset[str] = frozenset()
    focus: frozenset[str] = frozenset()


def hints(text: str) -> Hints:
    return Hints(names(text), focus(text))


def normalize(text: str) -> str:
    """The text with drive letters spelt out as words ("C:" -> "c drive", "G:" -> "network
    drive"), so they count as what they are."""
    return DRIVE.sub(lambda m: " c drive " if m.group(1) in "cC" else " network drive ", text)


def names(text: str) -> frozenset[str]:
    """Lower-cased words written with a capital inside a sentence and never in small letters:
    likely names. Text mostly in capitals (a shouted or title-cased request) has none."""
    if text.islower() or not any(ch.isupper() for ch in text):
        return frozenset()
    found = list(WORD.finditer(text))
    if not found:
        return frozenset()
    capitals = [m for m in found if CAPITAL.fullmatch(m.group())]
    if len(capitals) > 0.5 * len(found):
        return frozenset()
    small = {m.group().lower() for m in found if not m.group()[0].isupper()}
    out = set()
    for m in capitals:
        word = m.group().lower()
        if word not in small and not SENTENCE_END.search(text[:m.start()] or "\n"):
            out.add(word)
    # A first name with an initial ("Esteban G's laptop", "Juliet T. with ..."), even at the
    # start of a sentence: tickets name people so.
    out.update(m.group(1).lower() for m in INITIALLED.finditer(text))
    return frozenset(out - {"i", "i'm", "i've", "i'd", "i'll"})


def is_stop(word: str) -> bool:
    """A word that says nothing about the problem."""
    return word in STOP_WORDS or word in FUNCTION_WORDS or word in FILLER or len(word) < 2


@lru_cache(maxsize=1)
def _stop_speller() -> Speller:
    return Speller({w: 1 for w in FUNCTION_WORDS | FILLER if w.isalpha() and len(w) >= 4})


def is_stop_typo(word: str) -> bool:
    """A misspelt small word ("umable", "becuase", "plese"): as little meaning as the word."""
    return bool(_stop_speller().candidates(word, limit=1))


def article_ids(text: str, *, bare: bool) -> list[int]:
    """Article numbers named in the text: "KB-42" anywhere; a lone "42" when ``bare``."""
    ids = [int(m.group(1)) for m in KB_ID.finditer(text)]
    if bare and not ids and (m := BARE_ID.fullmatch(text)):
        ids.append(int(m.group(1)))
    return list(dict.fromkeys(ids))


def without_ids(text: str) -> str:
    """The text with "KB-42"-style numbers taken out (they are looked up, not searched)."""
    return KB_ID.sub(" ", text)


def ticket_number(text: str) -> int | None:
    """The ticket number of "HD-000123" typed alone, else None."""
    m = TICKET_REF.fullmatch(text)
    return int(m.group(1)) if m else None
