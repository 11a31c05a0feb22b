"""The in-memory index: word weights, fuzzy word matching, per-entry scores, match and autocomplete."""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from rapidfuzz import fuzz, process

from bot.faq.content import FaqEntry, themes, topic_order
from bot.faq.text import content_words, mistyped_filler, normalise

GOOD_MATCH = 61.0
"""Below this score /faq says "no good match" and offers the closest topics instead."""
AUTOCOMPLETE_FLOOR = 30.0
AUTOCOMPLETE_LIMIT = 25
CLOSEST = 3
JOINED_CUTOFF = 88.0
"""How close a typed word must be to two neighbouring words typed as one ("deescalation") to count."""
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
SURE_SCORE = 90.0
"""At or above this score the best entry is posted even when another entry comes close behind it."""
SURE_MARGIN = 10.0
"""Below SURE_SCORE, the best entry must lead the next one by this much to be posted for everyone."""
VAGUE_WEIGHT = math.log(1 + 4) ** IDF_POWER

_T = TypeVar("_T")


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
                words = content_words(text)
                if not words and not normalise(text):
                    continue
                self._entry_docs[i].append(len(self._docs))
                self._docs.append(_Doc(i, words, 0.0, normalise(text)))
                entry_words[i].update(words)
        n = max(len(self.entries), 1)
        df: dict[str, int] = {}
        for found_words in entry_words:
            for w in found_words:
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
        # Typos keep the first letter (see _word_matches), so each word is compared only with its own letter.
        self._by_letter: dict[str, list[str]] = {}
        for w in self._vocab:
            if len(w) >= 4:
                self._by_letter.setdefault(w[0], []).append(w)
        self._starters: list[FaqEntry] | None = None
        self._joined_list: list[str] = sorted(self._joined)
        self._near: dict[int, list[str]] = {}
        self._word_entries: dict[str, list[int]] = {}
        for i, found_words in enumerate(entry_words):
            for w in found_words:
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
        self._doc_entry: list[int] = [doc.entry for doc in self._docs]
        self._doc_total: list[float] = [doc.total for doc in self._docs]
        self._position: dict[str, int] = {e.key: i for i, e in enumerate(self.entries)}
        self._title_words: list[frozenset[str]] = [frozenset(content_words(e.title)) for e in self.entries]
        self._one_word: list[frozenset[str]] = [frozenset() for _ in self.entries]
        for doc in self._docs:
            if len(doc.words) == 1:
                self._one_word[doc.entry] |= set(doc.words)
        self._word_cache: dict[tuple[str, bool], dict[str, float]] = {}
        self._answers: dict[tuple[str, str], Any] = {}
        self._topics: list[FaqEntry] | None = None

    def get(self, key: str) -> FaqEntry | None:
        return self.by_key.get(key)

    def _weight(self, word: str) -> float:
        return float(self.idf[word] ** IDF_POWER)

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
                word, self._by_letter.get(word[0], ()), scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
            ):
                close[other] = score / 100.0
            for other, score, _ in process.extract(
                word, self._joined_near(len(word)), scorer=fuzz.ratio, score_cutoff=JOINED_CUTOFF, limit=None
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

    def _joined_near(self, length: int) -> list[str]:
        """The joined words long enough and short enough to reach JOINED_CUTOFF against a word of ``length``
        letters (a ratio can be no higher than 1 - length difference / total length), in the list's order:
        the same matches as comparing with every joined word, for a fraction of the work."""
        near = self._near.get(length)
        if near is None:
            slack = 1 - JOINED_CUTOFF / 100
            near = [w for w in self._joined_list if abs(len(w) - length) <= slack * (len(w) + length) + 1e-9]
            self._near[length] = near
        return near

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
                    if not mistyped_filler(word):
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
            word_docs = self._word_docs
            for other, sim in word_sim.items():
                amount = self._weight(other) * sim
                for d in word_docs[other]:
                    covered[d] = covered.get(d, 0.0) + amount
            qa, da = (TYPING_QA, 1 - TYPING_QA) if typing else (MATCH_QA, 1 - MATCH_QA)
            # A query of only very common words ("tech", "job") says too little to pick one answer.
            vagueness = min(1.0, matched_weight / VAGUE_WEIGHT)
            # An entry scores by its best-covered phrasing (the score grows with coverage).
            best_cover: dict[int, float] = {}
            support = [0] * n
            doc_entry, doc_total = self._doc_entry, self._doc_total
            for d, amount in covered.items():
                total = doc_total[d]
                dc = amount / (amount + LENIENCY * (total - amount)) if total else 0.0
                e = doc_entry[d]
                if dc > best_cover.get(e, -1.0):
                    best_cover[e] = dc
                if dc >= 0.5:
                    support[e] += 1
            for e, dc in best_cover.items():
                qc = explained[e] / weight_total
                bonus = 1 + SUPPORT_BONUS * min(max(support[e] - 1, 0), 3)
                result[e] = min(100.0, 100.0 * (qc**qa) * (dc**da) * bonus * vagueness)
        text = normalise(query)
        if len(text) >= 8:
            for _, score, d in process.extract(
                text, self._texts, scorer=fuzz.ratio, score_cutoff=85, limit=None
            ):
                e = self._docs[d].entry
                if score > result[e]:
                    result[e] = score
        return result

    def sure(self, query: str, closest: Sequence[Scored], threshold: float = GOOD_MATCH) -> bool:
        """Whether the best entry is safe to post for everyone: a good score, clearly ahead of the next one,
        and, for a one-word question, a word that names the topic itself rather than a detail of it."""
        if not closest or closest[0].score < threshold:
            return False
        runner_up = closest[1].score if len(closest) > 1 else 0.0
        if closest[0].score < SURE_SCORE and closest[0].score - runner_up < SURE_MARGIN:
            return False
        words = [w for w in content_words(query) if not mistyped_filler(w)]
        if len(words) != 1:
            return True
        i = self._position[closest[0].entry.key]
        naming = self._title_words[i] | self._one_word[i]
        return any(sim >= 0.8 and w in naming for w, sim in self._word_matches(words[0], False).items())

    def ranked(
        self, query: str, *, typing: bool = False, limit: int | None = None, floor: float = -1.0
    ) -> list[Scored]:
        """Entries best first (ties in file order), only those scoring at least ``floor``."""
        scores = self.scores(query, typing=typing)
        scored = [(-s, i) for i, s in enumerate(scores) if s > 0.0 and s >= floor]
        order = [i for _, i in (heapq.nsmallest(limit, scored) if limit is not None else sorted(scored))]
        if floor <= 0.0 and (limit is None or len(order) < limit):
            # Entries scoring nothing come after the rest, in file order, as far as the limit allows.
            zeros = (i for i, s in enumerate(scores) if s <= 0.0)
            order += list(zeros) if limit is None else list(itertools.islice(zeros, limit - len(order)))
        return [Scored(self.entries[i], round(scores[i], 1)) for i in order]

    def remember(self, key: tuple[str, str], compute: Callable[[], _T]) -> _T:
        """Answers for repeated questions come from memory; the index never changes, so they stay right."""
        found = self._answers.get(key)
        if found is None:
            if len(self._answers) >= ANSWER_CACHE:
                self._answers.clear()
            found = self._answers[key] = compute()
        return found

    def clear_caches(self) -> None:
        """Forget remembered words and answers, and the text helpers' memory (benchmarks use this to time
        every query in full)."""
        self._word_cache.clear()
        self._answers.clear()
        content_words.cache_clear()
        normalise.cache_clear()

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
    if index.sure(query, closest, threshold):
        return MatchResult(query, closest[0].entry, closest[0].score, closest)
    best = closest[0].score if closest else 0.0
    return MatchResult(query, None, best, _with_starters([s for s in closest if s.score > 0], index))


def _with_starters(found: list[Scored], index: FaqIndex) -> tuple[Scored, ...]:
    """When nothing is even close, good places to start (the first topic of each theme) beat random ones."""
    taken = {s.entry.key for s in found}
    if index._starters is None:
        groups = themes(index.entries).values()
        index._starters = [group[0] for group in groups if not group[0].is_server_entry] + list(index.entries)
    for entry in index._starters:
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
