"""FAQ: the built-in knowledge base plus each server's own entries, matched fuzzily in memory.

Matching is word-based so that typos, word order, partial words and whole sentences all work: every
word of the question is compared (with rapidfuzz) against the vocabulary of titles and phrasings, and
an entry scores by how much of the question it explains and how much of one of its phrasings the
question covers, with rare words counting for more than common ones.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rapidfuzz import fuzz, process

from bot.clock import Clock
from bot.content import ContentError, load_toml, require_list, require_str
from bot.database import Database
from bot.text import clean_text

MAX_TITLE = 100
MAX_ANSWER = 1000
MAX_THEME = 60
MAX_PHRASING = 150
MAX_KEY = 40
SERVER_QUESTION_MAX = 100
SERVER_ANSWER_MAX = 1000
SERVER_ENTRIES_MAX = 50
SERVER_THEME = "From this server"
SERVER_KEY_PREFIX = "g:"

GOOD_MATCH = 61.0
"""Below this score /faq says "no good match" and offers the closest topics instead."""
AUTOCOMPLETE_FLOOR = 30.0
AUTOCOMPLETE_LIMIT = 25
CLOSEST = 3
ANSWER_CACHE = 4096
# Scoring weights, tuned on the phrasing table in tests/test_faq.py and checked on questions held out from it:
# how much the query being explained counts against a phrasing being covered (matching, and while typing),
# how heavily an unknown word counts (relative to an average word), how little a phrasing's unmatched
# words count, the bonus per extra phrasing that agrees, and the weight below which a query is too vague.
IDF_POWER = 1.0
MATCH_QA = 0.6
TYPING_QA = 0.8
UNKNOWN_WEIGHT = 1.2
LENIENCY = 0.4
SUPPORT_BONUS = 0.05
VAGUE_WEIGHT = math.log(1 + 4) ** IDF_POWER

_T = TypeVar("_T")
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SERVER_KEY_RE = re.compile(r"^g:(\d+)$")
_WORD_RE = re.compile(r"[^\W_]+")
_STRESS_RE = re.compile(r"stress|crisis|burnout|burned out|well-?being", re.IGNORECASE)

# Function words and question filler: they carry no topic, and whole-sentence questions are full of them.
_STOPWORD_TEXT = """
    a about above actually after again all also am an and any anyone anything are aren arent as at
    be because been before being between both but by can cant could couldn d did didn didnt do does
    doesn doesnt doing don dont during each either else even ever every few for from get gets
    getting go goes going gonna got had hadn has hasn have haven having he hed hello her here hers
    herself hey hi him himself his how hows i id if ill im in into is isn isnt it itll its itself
    ive just kind kinda know let lets like ll m maybe me might mine most much must my myself need
    needs no nor not now of off oh ok okay on once one only or other our ours ourselves out over own
    please pls question questions quite re really s said say says she shes should shouldnt so some
    someone something sort still such sure t tell than thank thanks that thats the their theirs them
    themselves then there theres these they theyd theyre thing things think this those though thru
    to too u uh um under until up upon ur us ve very wanna want wants was wasn wasnt way we wed well
    were weren what whats when where which while who whom whos why will with won wonder wondering
    wont would wouldn wouldnt y yeah yes yet you youd youll your youre yours yourself yourselves
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One topic: built-in entries come from data/faq.toml, server entries from the database."""

    key: str
    title: str
    answer: str
    theme: str
    phrasings: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    guild_id: int | None = None

    @property
    def is_server_entry(self) -> bool:
        return self.guild_id is not None


# ---------------------------------------------------------------------------------------------------
# Loading and validating the built-in entries


def load_faq(path: Path) -> tuple[FaqEntry, ...]:
    """Read and validate faq.toml once at start, so a broken entry stops the bot with a precise message."""
    data = load_toml(path)
    raw = data.get("entry")
    if not isinstance(raw, list) or not raw:
        raise ContentError(path, "file", "needs at least one [[entry]] table")
    entries: list[FaqEntry] = []
    seen: dict[str, int] = {}
    for number, table in enumerate(raw, start=1):
        if not isinstance(table, dict):
            raise ContentError(path, f"entry {number}", "must be a table")
        label = f"entry {number}"
        key = require_str(path, label, table, "key", max_len=MAX_KEY)
        label = f"entry {number} ({key})"
        if not _KEY_RE.match(key):
            raise ContentError(path, label, "'key' may use only lower-case letters, digits, '-' and '_'")
        if key in seen:
            raise ContentError(path, label, f"duplicate key; entry {seen[key]} already uses '{key}'")
        seen[key] = number
        title = require_str(path, label, table, "title", max_len=MAX_TITLE)
        theme = require_str(path, label, table, "theme", max_len=MAX_THEME)
        answer = require_str(path, label, table, "answer", max_len=MAX_ANSWER)
        phrasings = tuple(
            _str_items(path, label, table, "phrasings", require_list(path, label, table, "phrasings"))
        )
        for phrasing in phrasings:
            if len(phrasing) > MAX_PHRASING:
                raise ContentError(
                    path, label, f"phrasing {phrasing[:30]!r}... is longer than {MAX_PHRASING}"
                )
        related_raw = table.get("related", [])
        if not isinstance(related_raw, list):
            raise ContentError(path, label, "'related' must be a list of keys")
        related = tuple(_str_items(path, label, table, "related", related_raw))
        if len(set(related)) != len(related):
            raise ContentError(path, label, "'related' lists the same key twice")
        if key in related:
            raise ContentError(path, label, "'related' lists the entry itself")
        if len(related) > 5:
            raise ContentError(path, label, "'related' has more than 5 keys (one button row)")
        if _needs_resources(title, theme) and "/resources" not in answer.split("\n\n")[-1]:
            raise ContentError(
                path, label, "an answer about stress, crisis or wellbeing must end by pointing to /resources"
            )
        entries.append(FaqEntry(key, title, answer, theme, phrasings, related))
    for entry in entries:
        for other in entry.related:
            if other not in seen:
                raise ContentError(
                    path, f"entry {seen[entry.key]} ({entry.key})", f"related key '{other}' does not exist"
                )
    _check_collisions(path, entries)
    return tuple(entries)


def _needs_resources(title: str, theme: str) -> bool:
    """The spec's rule: answers about stress, crisis or wellbeing end with a pointer to /resources."""
    return bool(_STRESS_RE.search(title) or _STRESS_RE.search(theme))


def _str_items(path: Path, label: str, table: dict[str, Any], key: str, items: list[Any]) -> list[str]:
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ContentError(path, label, f"every item of '{key}' must be a non-empty string")
        out.append(item.strip())
    return out


def _check_collisions(path: Path, entries: Sequence[FaqEntry]) -> None:
    """The same phrasing under two entries would make matching a coin toss, so it is a content error."""
    owner: dict[str, str] = {}
    for entry in entries:
        for text in (entry.title, *entry.phrasings):
            norm = " ".join(_stem(w) for w in normalise(text).split())
            if not norm:
                continue
            previous = owner.setdefault(norm, entry.key)
            if previous != entry.key:
                raise ContentError(path, entry.key, f"phrasing {text!r} is also used by entry '{previous}'")


# ---------------------------------------------------------------------------------------------------
# Text processing


def normalise(text: str) -> str:
    """Lower-case words without accents, single-spaced; apostrophes vanish so "what's" == "whats"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("'", "").replace("\u2019", "")
    return " ".join(_WORD_RE.findall(text))


def _stem(word: str) -> str:
    """A deliberately small suffix-stripper: enough for 'families'/'family', 'stressed'/'stress' to meet."""
    if len(word) <= 4:
        return word
    if word.endswith("ies") and len(word) > 5:
        return word[:-3] + "y"
    for suffix in ("ing", "ness", "ful", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= (3 if suffix == "ed" else 4):
            if suffix == "s" and word[-2] in "su":
                return word
            if suffix == "es" and word[-3] not in "sxz":
                continue
            return word[: -len(suffix)]
    return word


# Abbreviations and spellings that name the same thing.
_SAME = {
    "technician": "tech",
    "technicians": "tech",
    "psychiatric": "psych",
    "behavioural": "behavioral",
    "behaviour": "behavior",
    "counsellor": "counselor",
    "counselling": "counseling",
    "counsellors": "counselor",
}


def content_words(text: str) -> list[str]:
    """The topic-bearing words of a text, stemmed, in order, without repeats."""
    words: list[str] = []
    for word in normalise(text).split():
        if word in STOPWORDS:
            continue
        stem = _SAME.get(word) or _stem(word)
        if stem in STOPWORDS:
            continue
        if stem not in words:
            words.append(stem)
    return words


_FILLER_TYPO_TEXT = "what how why where when who which does the you your can are"
_FILLER_TYPOS = tuple(_FILLER_TYPO_TEXT.split())


def _mistyped_filler(word: str) -> bool:
    """'wht' or 'hwo' is a question word with a slip, not an unknown topic that should count against a match.
    Only a dropped, extra or swapped letter counts: a changed letter ('car' for 'can') makes another word."""
    if len(word) > 6:
        return False
    for f in _FILLER_TYPOS:
        if abs(len(word) - len(f)) == 1:
            short, long_ = sorted((word, f), key=len)
            if any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_))):
                return True
        elif len(word) == len(f) and word != f:
            diff = [i for i in range(len(f)) if word[i] != f[i]]
            if (
                len(diff) == 2
                and diff[1] == diff[0] + 1
                and word[diff[0]] == f[diff[1]]
                and word[diff[1]] == f[diff[0]]
            ):
                return True
    return False


def question_key(question: str) -> str:
    """How two server questions are compared: case, spacing and punctuation don't make a new question."""
    return normalise(question)


# ---------------------------------------------------------------------------------------------------
# The index and matching


@dataclass(slots=True)
class _Doc:
    entry: int
    words: tuple[str, ...]
    total: float
    text: str


@dataclass(frozen=True, slots=True)
class Scored:
    entry: FaqEntry
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The best entry if it is good enough, else None; ``closest`` holds the top three either way."""

    query: str
    entry: FaqEntry | None
    score: float
    closest: tuple[Scored, ...] = field(default=())

    @property
    def good(self) -> bool:
        return self.entry is not None


class FaqIndex:
    """Everything matching needs, precomputed once per set of entries so a query touches no disk."""

    def __init__(self, entries: Iterable[FaqEntry]) -> None:
        self.entries: tuple[FaqEntry, ...] = tuple(entries)
        self.by_key: dict[str, FaqEntry] = {e.key: e for e in self.entries}
        self.by_title: dict[str, FaqEntry] = {}
        for e in self.entries:
            self.by_title.setdefault(normalise(e.title), e)
        self._docs: list[_Doc] = []
        self._entry_docs: list[list[int]] = [[] for _ in self.entries]
        entry_words: list[set[str]] = [set() for _ in self.entries]
        for i, entry in enumerate(self.entries):
            for text in (entry.title, *entry.phrasings):
                words = tuple(content_words(text))
                if not words and not normalise(text):
                    continue
                self._entry_docs[i].append(len(self._docs))
                self._docs.append(_Doc(i, words, 0.0, normalise(text)))
                entry_words[i].update(words)
        n = max(len(self.entries), 1)
        df: dict[str, int] = {}
        for words in entry_words:
            for w in words:
                df[w] = df.get(w, 0) + 1
        self.idf: dict[str, float] = {w: math.log(1 + n / count) for w, count in df.items()}
        self._unknown = (
            UNKNOWN_WEIGHT * (sum(self._weight(w) for w in self.idf) / len(self.idf)) if self.idf else 1.0
        )
        # Two neighbouring words typed as one ("deescalation", "selfcare") still find both.
        self._joined: dict[str, tuple[str, str]] = {}
        for doc in self._docs:
            for first, second in zip(doc.words, doc.words[1:], strict=False):
                if first + second not in self.idf:
                    self._joined.setdefault(first + second, (first, second))
        self._vocab: list[str] = sorted(self.idf)
        self._joined_list: list[str] = sorted(self._joined)
        self._word_entries: dict[str, list[int]] = {}
        for i, words in enumerate(entry_words):
            for w in words:
                self._word_entries.setdefault(w, []).append(i)
        self._word_docs: dict[str, list[int]] = {}
        for d, doc in enumerate(self._docs):
            doc.total = sum(self._weight(w) for w in doc.words)
            for w in doc.words:
                self._word_docs.setdefault(w, []).append(d)
        self._prefixes: dict[str, list[str]] = {}
        for w in self._vocab:
            for cut in range(3, len(w)):
                self._prefixes.setdefault(w[:cut], []).append(w)
        self._texts: list[str] = [doc.text for doc in self._docs]
        self._word_cache: dict[tuple[str, bool], dict[str, float]] = {}
        self._answers: dict[tuple[str, str], Any] = {}
        self._topics: list[FaqEntry] | None = None

    def get(self, key: str) -> FaqEntry | None:
        return self.by_key.get(key)

    def _weight(self, word: str) -> float:
        return self.idf[word] ** IDF_POWER

    def _word_matches(self, word: str, typing: bool) -> dict[str, float]:
        """Vocabulary words close to ``word`` with a similarity in (0, 1]: equal, a typo away, or its start
        (a word is taken as a start only when it is not a word of its own, unless someone is still typing)."""
        cached = self._word_cache.get((word, typing))
        if cached is not None:
            return cached
        close: dict[str, float] = {}
        if len(word) >= 4:
            cutoff = 85.0 if len(word) <= 5 else 78.0 if len(word) <= 7 else 75.0
            for other, score, _ in process.extract(
                word, self._vocab, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
            ):
                if len(other) >= 4 and other[0] == word[0]:
                    close[other] = score / 100.0
            for other, score, _ in process.extract(
                word, self._joined_list, scorer=fuzz.ratio, score_cutoff=88.0, limit=None
            ):
                close[other] = score / 100.0
        if len(word) >= (3 if typing else 4) and (typing or word not in self.idf):
            for other in self._prefixes.get(word, ()):
                close[other] = max(close.get(other, 0.0), 0.6 + 0.4 * len(word) / len(other))
        close[word] = 1.0
        found: dict[str, float] = {}
        for other, sim in close.items():
            for part in self._joined.get(other, (other,)):
                if part in self.idf and sim > found.get(part, 0.0):
                    found[part] = sim
        if len(self._word_cache) > 4096:
            self._word_cache.clear()
        self._word_cache[(word, typing)] = found
        return found

    def scores(self, query: str, *, typing: bool = False) -> list[float]:
        """A 0-100 score per entry. ``typing`` (autocomplete) leans on how much of the query is explained,
        since a half-typed question cannot yet cover a whole phrasing."""
        words = content_words(query)
        n = len(self.entries)
        result = [0.0] * n
        if words:
            explained = [0.0] * n
            weight_total = matched_weight = 0.0
            word_sim: dict[str, float] = {}
            for word in words:
                matches = self._word_matches(word, typing)
                if not matches:
                    if not _mistyped_filler(word):
                        weight_total += self._unknown
                    continue
                best_word = max(matches, key=lambda w: (matches[w], -self.idf[w]))
                weight = self._weight(best_word)
                weight_total += weight
                matched_weight += weight
                best_in_entry: dict[int, float] = {}
                for other, sim in matches.items():
                    if sim > word_sim.get(other, 0.0):
                        word_sim[other] = sim
                    for e in self._word_entries[other]:
                        if sim > best_in_entry.get(e, 0.0):
                            best_in_entry[e] = sim
                for e, sim in best_in_entry.items():
                    explained[e] += weight * sim
            covered: dict[int, float] = {}
            for other, sim in word_sim.items():
                for d in self._word_docs[other]:
                    covered[d] = covered.get(d, 0.0) + self._weight(other) * sim
            qa, da = (TYPING_QA, 1 - TYPING_QA) if typing else (MATCH_QA, 1 - MATCH_QA)
            # A query of only very common words ("tech", "job") says too little to pick one answer.
            vagueness = min(1.0, matched_weight / VAGUE_WEIGHT)
            coverage: dict[int, float] = {}
            support = [0] * n
            for d, amount in covered.items():
                doc = self._docs[d]
                dc = amount / (amount + LENIENCY * (doc.total - amount)) if doc.total else 0.0
                coverage[d] = dc
                if dc >= 0.5:
                    support[doc.entry] += 1
            for d, dc in coverage.items():
                e = self._docs[d].entry
                qc = explained[e] / weight_total
                bonus = 1 + SUPPORT_BONUS * min(max(support[e] - 1, 0), 3)
                score = min(100.0, 100.0 * (qc**qa) * (dc**da) * bonus * vagueness)
                if score > result[e]:
                    result[e] = score
        text = normalise(query)
        if len(text) >= 8:
            for _, score, d in process.extract(
                text, self._texts, scorer=fuzz.ratio, score_cutoff=85, limit=None
            ):
                e = self._docs[d].entry
                if score > result[e]:
                    result[e] = score
        return result

    def ranked(
        self, query: str, *, typing: bool = False, limit: int | None = None, floor: float = -1.0
    ) -> list[Scored]:
        """Entries best first (ties in file order), only those scoring at least ``floor``."""
        scores = self.scores(query, typing=typing)
        candidates = [i for i in range(len(scores)) if scores[i] >= floor]
        order = heapq.nsmallest(
            limit if limit is not None else len(candidates), candidates, key=lambda i: (-scores[i], i)
        )
        return [Scored(self.entries[i], round(scores[i], 1)) for i in order]

    def remember(self, key: tuple[str, str], compute: Callable[[], _T]) -> _T:
        """Answers for repeated questions come from memory; the index never changes, so they stay right."""
        found = self._answers.get(key)
        if found is None:
            if len(self._answers) >= ANSWER_CACHE:
                self._answers.clear()
            found = self._answers[key] = compute()
        return found  # type: ignore[no-any-return]

    def clear_caches(self) -> None:
        """Forget remembered words and answers (benchmarks use this to time every query in full)."""
        self._word_cache.clear()
        self._answers.clear()

    @property
    def topics(self) -> list[FaqEntry]:
        if self._topics is None:
            self._topics = topic_order(self.entries)
        return self._topics


def _as_index(entries: FaqIndex | Iterable[FaqEntry]) -> FaqIndex:
    return entries if isinstance(entries, FaqIndex) else FaqIndex(entries)


def match(
    query: str, entries: FaqIndex | Iterable[FaqEntry], *, threshold: float = GOOD_MATCH
) -> MatchResult:
    """The entry answering ``query``, or "no good match" with the closest topics. A key (what autocomplete
    sends) or an exact title answers directly."""
    index = _as_index(entries)
    return index.remember(("match", f"{threshold}:{query}"), lambda: _match(query, index, threshold))


def _match(query: str, index: FaqIndex, threshold: float) -> MatchResult:
    exact = index.get(query.strip())
    if exact is None:
        exact = index.by_title.get(normalise(query))
    if exact is not None:
        return MatchResult(query, exact, 100.0, (Scored(exact, 100.0),))
    closest = tuple(index.ranked(query, limit=CLOSEST))
    if closest and closest[0].score >= threshold:
        return MatchResult(query, closest[0].entry, closest[0].score, closest)
    best = closest[0].score if closest else 0.0
    return MatchResult(query, None, best, _with_starters([s for s in closest if s.score > 0], index))


def _with_starters(found: list[Scored], index: FaqIndex) -> tuple[Scored, ...]:
    """When nothing is even close, good places to start (the first topic of each theme) beat random ones."""
    taken = {s.entry.key for s in found}
    starters = [group[0] for group in themes(index.entries).values() if not group[0].is_server_entry]
    for entry in starters + list(index.entries):
        if len(found) >= CLOSEST:
            break
        if entry.key not in taken:
            found.append(Scored(entry, 0.0))
            taken.add(entry.key)
    return tuple(found)


def autocomplete(
    current: str, entries: FaqIndex | Iterable[FaqEntry], *, limit: int = AUTOCOMPLETE_LIMIT
) -> list[tuple[str, str]]:
    """Up to ``limit`` (title, key) pairs, best first; with nothing typed, the topics in reading order."""
    index = _as_index(entries)
    if not current.strip():
        return [(e.title, e.key) for e in index.topics[:limit]]

    def compute() -> list[tuple[str, str]]:
        ranked = index.ranked(current, typing=True, limit=limit, floor=AUTOCOMPLETE_FLOOR)
        return [(s.entry.title, s.entry.key) for s in ranked]

    return list(index.remember(("auto", f"{limit}:{current}"), compute))


def autocomplete_own(
    current: str, own: Sequence[FaqEntry], *, limit: int = AUTOCOMPLETE_LIMIT
) -> list[tuple[str, str]]:
    """A server's own entries, for an admin picking one to remove: alphabetical, or closest to the text."""
    if not current.strip():
        return [(e.title, e.key) for e in sorted(own, key=lambda e: e.title.casefold())[:limit]]
    found = process.extract(
        normalise(current),
        [normalise(e.title) for e in own],
        scorer=fuzz.WRatio,
        score_cutoff=50,
        limit=limit,
    )
    return [(own[i].title, own[i].key) for _, _, i in found]


def topic_order(entries: Sequence[FaqEntry], *, server_first: int = 10) -> list[FaqEntry]:
    """A server's own entries first (a few, alphabetically), then the built-in ones grouped by theme."""
    own = sorted((e for e in entries if e.is_server_entry), key=lambda e: e.title.casefold())
    builtin = [
        e for entries_of_theme in themes(entries).values() for e in entries_of_theme if not e.is_server_entry
    ]
    return own[:server_first] + builtin + own[server_first:]


def themes(entries: Sequence[FaqEntry]) -> dict[str, list[FaqEntry]]:
    """Entries grouped by theme: the server's own first, then the built-in themes in file order."""
    grouped: dict[str, list[FaqEntry]] = {}
    own = sorted((e for e in entries if e.is_server_entry), key=lambda e: e.title.casefold())
    if own:
        grouped[SERVER_THEME] = own
    for entry in entries:
        if not entry.is_server_entry:
            grouped.setdefault(entry.theme, []).append(entry)
    return grouped


def answer_privately(entry: FaqEntry) -> bool:
    """Answers about wellbeing go only to the person who asked: which topic someone looked up can say
    more about them than they meant to share in a channel."""
    return (
        entry.theme.casefold() == "wellbeing"
        or "/resources" in entry.answer
        or _needs_resources(entry.title, entry.theme)
    )


# ---------------------------------------------------------------------------------------------------
# Server entries: storage and the in-memory catalogue


class FaqInputError(ValueError):
    """A server entry that can't be stored; the message is written for the admin who tried."""


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    entry: FaqEntry
    replaced: bool


def server_key(entry_id: int) -> str:
    return f"{SERVER_KEY_PREFIX}{entry_id}"


def server_entry_id(key: str) -> int | None:
    m = _SERVER_KEY_RE.match(key)
    return int(m.group(1)) if m else None


def validate_server_entry(question: str, answer: str) -> tuple[str, str]:
    """Trimmed question and answer, or a FaqInputError saying what is accepted."""
    question = clean_text(question, multiline=False)
    answer = clean_text(answer.replace("\\n", "\n"))
    if len(normalise(question)) < 3:
        raise FaqInputError("The question needs a few words, so people can find it. Please try again.")
    if len(question) > SERVER_QUESTION_MAX:
        raise FaqInputError(
            f"That question is {len(question):,} characters long; questions can be up to "
            f"{SERVER_QUESTION_MAX} characters. Please shorten it and try again."
        )
    if not answer:
        raise FaqInputError("The answer is empty. Please write the answer you'd like people to see.")
    if len(answer) > SERVER_ANSWER_MAX:
        raise FaqInputError(
            f"That answer is {len(answer):,} characters long; answers can be up to {SERVER_ANSWER_MAX:,} "
            "characters. Please shorten it and try again. Nothing was saved."
        )
    return question, answer


class FaqStore:
    """Server entries in SQLite, mirrored in memory per server; every change bumps that server's version
    so indexes built from the old entries are rebuilt on next use."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._entries: dict[int, tuple[FaqEntry, ...]] = {}
        self._versions: dict[int, int] = {}

    async def load(self) -> None:
        """Read every server's entries once, at start."""
        rows = await self.db.fetchall(
            "SELECT id, guild_id, question, answer FROM faq_server_entries ORDER BY guild_id, id"
        )
        grouped: dict[int, list[FaqEntry]] = {}
        for row in rows:
            grouped.setdefault(int(row["guild_id"]), []).append(_row_entry(row))
        self._entries = {g: tuple(es) for g, es in grouped.items()}
        for g in set(self._versions) | set(grouped):
            self._versions[g] = self._versions.get(g, 0) + 1

    def entries(self, guild_id: int | None) -> tuple[FaqEntry, ...]:
        if guild_id is None:
            return ()
        return self._entries.get(guild_id, ())

    def version(self, guild_id: int) -> int:
        return self._versions.get(guild_id, 0)

    async def save(self, guild_id: int, question: str, answer: str) -> SaveOutcome:
        """Add the entry, or replace the answer of the same question; committed before returning."""
        question, answer = validate_server_entry(question, answer)
        qkey = question_key(question)
        now = self.clock.now().isoformat()
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT id FROM faq_server_entries WHERE guild_id = ? AND question_key = ?", (guild_id, qkey)
            ) as cur:
                existing = await cur.fetchone()
            if existing is None:
                async with conn.execute(
                    "SELECT COUNT(*) FROM faq_server_entries WHERE guild_id = ?", (guild_id,)
                ) as cur:
                    row = await cur.fetchone()
                if row is not None and int(row[0]) >= SERVER_ENTRIES_MAX:
                    raise FaqInputError(
                        f"This server already has {SERVER_ENTRIES_MAX} entries of its own, the most it can "
                        "have. Remove one with `/config faq-remove` first, or replace one by adding the same "
                        "question again."
                    )
                async with conn.execute(
                    "INSERT INTO faq_server_entries (guild_id, question, question_key, answer, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (guild_id, question, qkey, answer, now, now),
                ) as cur:
                    entry_id = int(cur.lastrowid or 0)
            else:
                entry_id = int(existing["id"])
                await conn.execute(
                    "UPDATE faq_server_entries SET question = ?, answer = ?, updated_at = ? WHERE id = ?",
                    (question, answer, now, entry_id),
                )
        await self._refresh(guild_id)
        entry = FaqEntry(server_key(entry_id), question, answer, SERVER_THEME, guild_id=guild_id)
        return SaveOutcome(entry, replaced=existing is not None)

    async def remove(self, guild_id: int, question: str) -> FaqEntry | None:
        """Remove by question (or by the key autocomplete offers); the removed entry, or None."""
        target = self.find(guild_id, question)
        if target is None:
            return None
        entry_id = server_entry_id(target.key)
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM faq_server_entries WHERE id = ? AND guild_id = ?", (entry_id, guild_id)
            )
        await self._refresh(guild_id)
        return target

    async def delete_guild(self, guild_id: int) -> int:
        """Forget a server's own entries (the bot was removed from it long enough ago)."""
        count = await delete_guild_data(self.db, guild_id)
        await self._refresh(guild_id)
        return count

    def find(self, guild_id: int, question: str) -> FaqEntry | None:
        """This server's entry for a key or a question as typed (case and punctuation aside)."""
        wanted = question.strip()
        qkey = question_key(wanted)
        for entry in self.entries(guild_id):
            if entry.key == wanted or question_key(entry.title) == qkey:
                return entry
        return None

    async def _refresh(self, guild_id: int) -> None:
        rows = await self.db.fetchall(
            "SELECT id, guild_id, question, answer FROM faq_server_entries WHERE guild_id = ? ORDER BY id",
            (guild_id,),
        )
        self._entries[guild_id] = tuple(_row_entry(row) for row in rows)
        self._versions[guild_id] = self._versions.get(guild_id, 0) + 1


def _row_entry(row: Any) -> FaqEntry:
    return FaqEntry(
        server_key(int(row["id"])),
        str(row["question"]),
        str(row["answer"]),
        SERVER_THEME,
        guild_id=int(row["guild_id"]),
    )


class FaqCatalog:
    """The built-in entries plus a store, handing out one index per server (rebuilt only after a change)."""

    def __init__(self, builtin: Sequence[FaqEntry], store: FaqStore) -> None:
        self.builtin = tuple(builtin)
        self.store = store
        self._builtin_index = FaqIndex(self.builtin)
        self._indexes: dict[int, tuple[int, FaqIndex]] = {}

    def index_for(self, guild_id: int | None) -> FaqIndex:
        if guild_id is None:
            return self._builtin_index
        own = self.store.entries(guild_id)
        if not own:
            return self._builtin_index
        version = self.store.version(guild_id)
        cached = self._indexes.get(guild_id)
        if cached is None or cached[0] != version:
            cached = (version, FaqIndex(self.builtin + own))
            self._indexes[guild_id] = cached
        return cached[1]

    def get(self, key: str, guild_id: int | None) -> FaqEntry | None:
        """An entry by key as this server sees it (another server's entries are invisible)."""
        return self.index_for(guild_id).get(key)

    def match(self, query: str, guild_id: int | None) -> MatchResult:
        return match(query, self.index_for(guild_id))

    def autocomplete(self, current: str, guild_id: int | None) -> list[tuple[str, str]]:
        return autocomplete(current, self.index_for(guild_id))


# ---------------------------------------------------------------------------------------------------
# Privacy


async def describe_user_data(db: Database, user_id: int) -> list[str]:
    """Server entries belong to the server and record no author: the FAQ keeps nothing about a person."""
    return []


async def delete_user_data(db: Database, user_id: int) -> int:
    """Nothing to delete: see describe_user_data."""
    return 0


async def delete_guild_data(db: Database, guild_id: int) -> int:
    """Remove a server's own entries (for when the bot leaves a server for good)."""
    async with (
        db.transaction() as conn,
        conn.execute("DELETE FROM faq_server_entries WHERE guild_id = ?", (guild_id,)) as cur,
    ):
        return int(cur.rowcount or 0)
