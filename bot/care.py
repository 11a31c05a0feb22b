"""Words of distress in free text: the person themselves, someone else in danger, a work question, or none.

Pure and fast: no Discord, no disk after loading. The words and patterns live in `data/care.toml`.
Input is cut to MAX_INPUT characters, every step is a single pass over the words, and every pattern
has bounded gaps, so the cost is linear in the text and bounded for any input.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from bot.care_model import WordModel, load_model
from bot.content import DATA_DIR, ContentError, ContentModel, Text, load_toml, validate

MAX_INPUT = 2000
GAP_WORDS = 4
FUZZY_MIN_LEN = 6
TOKEN_CACHE = 20_000
SIGNAL_THRESHOLD = 3
FIRST_PERSON = frozenset({"i", "me", "myself"})
ASKING = frozenset({"do", "does", "did", "should", "can", "could", "would", "will", "shall", "must", "may"})
# Everyday words: a poor choice of the word a pattern is looked up by (see CareDetector.anchors).
_COMMON_WORDS = """
    i me my to be am is are was were the a an and or of in on at it this that can not do does did have
    has had will would could should want wants going like feel think more much any all so just get go
    people what how when if with for about out up no never one some something anything everything
    everyone nothing life live living here there back again take taking took use see way good night
    tonight tomorrow over into off from by too very really being better still time day work need try
    trying tried normal ready plan done hate keep you your we they he she him her them
"""
COMMON = frozenset(_COMMON_WORDS.split())
_APOSTROPHES = re.compile(r"['’ʼ`´]")
_NOT_WORD = re.compile(r"[\W_]+")
_REPEATS = re.compile(r"(.)\1{2,}")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_SLOT = re.compile(r"^(@[a-z]+|[a-z0-9|]+)(\?)?$")
PRONOUNS = frozenset({"he", "she", "they", "someone", "somebody"})
MARK = "§"  # marks the words a gap may not cross, so the gap itself stays a cheap character class


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A rough English stem, so "jumping", "jumped" and "jumps" weigh like "jump"."""
    for suffix, keep in (("ing", 4), ("ed", 3), ("es", 4), ("s", 4)):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "ls":
                word = word[:-1]
            break
    return word


class Concern(enum.Enum):
    NONE = "none"
    SELF = "self"
    OTHER = "other"
    WORK = "work"

    @property
    def shows_lines(self) -> bool:
        """The crisis lines come first in the reply."""
        return self in (Concern.SELF, Concern.OTHER)


@dataclass(frozen=True)
class PatternIndex:
    by_word: dict[str, re.Pattern[str]]

    def search(self, joined: str, present: set[str]) -> re.Match[str] | None:
        """The match that starts first, among the patterns looked up by a word the text has."""
        best: re.Match[str] | None = None
        for word in present:
            pattern = self.by_word.get(word)
            if pattern is not None:
                found = pattern.search(joined)
                if found is not None and (best is None or found.start() < best.start()):
                    best = found
        return best


@dataclass(frozen=True)
class Reading:
    concern: Concern
    reason: str = ""


class _CareTables(ContentModel):
    """The tables of care.toml as written; patterns are read by the detector as it compiles them."""

    words: dict[str, Text] = Field(default_factory=dict)
    lists: dict[str, list[Annotated[str, StringConstraints(min_length=1)]]] = Field(default_factory=dict)
    phrases: dict[str, str] = Field(default_factory=dict)
    patterns: dict[str, Any] = Field(default_factory=dict)
    signals: dict[str, Annotated[int, Field(ge=1, le=3)]] = Field(default_factory=dict)

    @classmethod
    def entry_for(cls, loc: tuple[int | str, ...], entry: str) -> str:
        if loc and loc[0] in ("words", "lists") and len(loc) > 1:
            return f"{loc[0]}.{loc[1]}"
        return str(loc[0]) if loc and loc[0] in ("phrases", "signals") else entry

    @classmethod
    def problem(cls, field: str, kind: str, value: Any, ctx: dict[str, Any], item: bool) -> str | None:
        return {
            "words": "must be a non-empty string"
            if item
            else "[words], [lists] and [patterns] must be tables",
            "lists": "must list words" if item else "[words], [lists] and [patterns] must be tables",
            "patterns": "[words], [lists] and [patterns] must be tables",
            "phrases": "must map words to words",
            "signals": "must give each word a weight of 1, 2 or 3",
        }.get(field)


class _WorkList(ContentModel):
    work: list[Text] = Field(min_length=1)

    @classmethod
    def problem(cls, field: str, kind: str, value: Any, ctx: dict[str, Any], item: bool) -> str | None:
        return "must list words or phrases"


class CareDetector:
    """Compiled once from the data file; ``read`` is the hot path."""

    def __init__(self, raw: dict[str, Any], path: Path, model: WordModel | None = None) -> None:
        self.path = path
        self.model = model
        table = validate(_CareTables, path, "tables", raw)
        patterns = table.patterns
        self.words: dict[str, tuple[str, ...]] = {k: tuple(v.split()) for k, v in table.words.items()}
        self.lists: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in table.lists.items()}
        self.phrases = [
            (k.split()[0], f" {' '.join(k.split())} ", f" {' '.join(v.split())} ")
            for k, v in table.phrases.items()
        ]
        self._seen: dict[str, tuple[str, ...]] = {}
        for needed in ("i", "close", "worker", "say", "fuzzy"):
            if needed not in self.lists:
                raise ContentError(path, "lists", f"missing list {needed!r}")
        stop = set(self.lists["close"]) | set(self.lists["worker"])
        stop |= {"i", "you", "we", "it"}
        self.stop = frozenset(stop)
        self._gap = rf"(?:[^\s{MARK}]\S* ){{0,{GAP_WORDS}}}"
        keywords: set[str] = set()
        self.self_re = self._compile(patterns, "self", keywords)
        self.other_re = self._compile(patterns, "other", keywords)
        self.topic_re = self._compile(patterns, "topic", keywords)
        work = validate(_WorkList, path, "patterns.work", {"work": patterns.get("work")}).work
        self.work_re = re.compile(" (?:" + "|".join(re.escape(self._marked(w)) for w in work) + ") ")
        plain = {" ".join(k.split()): v for k, v in table.signals.items()}
        self.signal_words: dict[str, int] = {}
        for key, weight in plain.items():
            if " " not in key:
                self.signal_words[stem(key)] = max(weight, self.signal_words.get(stem(key), 0))
        self.signal_phrases = {self._marked(k): v for k, v in plain.items() if " " in k}
        ordered = sorted(self.signal_phrases, key=len, reverse=True)
        self.signal_re = re.compile(" (?=(" + "|".join(re.escape(k) for k in ordered) + ") )")
        for key, weight in plain.items():
            if " " in key and weight < 2:
                raise ContentError(path, f"signals.{key!r}", "a phrase needs a weight of 2 or 3")
            if " " in key:
                keywords.add(min(key.split(), key=lambda w: (w in COMMON, -len(w))))
        self.light_words = {k: v for k, v in self.signal_words.items() if v < 2}
        self.close_nouns = frozenset(self.lists["close"]) - PRONOUNS
        self.workers = frozenset(self.lists["worker"]) - PRONOUNS
        self.say = frozenset(self.lists["say"])
        self.anchors = frozenset(keywords)
        self._fuzzy = self._fuzzy_index(set(self.lists["fuzzy"]))

    # ----- building

    def _slot(self, token: str, entry: str) -> tuple[str, list[str]]:
        match = _SLOT.match(token)
        if match is None:
            raise ContentError(self.path, entry, f"can't read {token!r}")
        body, optional = match.groups()
        if body.startswith("@"):
            name = body[1:]
            if name not in self.lists:
                raise ContentError(self.path, entry, f"no list called {name!r}")
            options = list(self.lists[name])
        else:
            options = body.split("|")
        marked = sorted((self._marked(o) for o in options), key=len, reverse=True)
        regex = "(?:" + "|".join(re.escape(o) for o in marked) + ") "
        return (f"(?:{regex})?" if optional else regex), [w for o in options for w in o.split()]

    def _compile(self, patterns: dict[str, Any], name: str, keywords: set[str]) -> PatternIndex:
        """Patterns grouped by the word each is looked up by: a text pays only for those it could match."""
        items = patterns.get(name)
        if not isinstance(items, list) or not items:
            raise ContentError(self.path, f"patterns.{name}", "must list patterns")
        by_word: dict[str, list[str]] = {}
        for pattern in items:
            entry = f"patterns.{name}: {pattern!r}"
            if not isinstance(pattern, str) or not pattern.split():
                raise ContentError(self.path, entry, "must be a non-empty string")
            parts = []
            required: list[list[str]] = []
            for token in pattern.split():
                if token == "~":
                    parts.append(self._gap)
                    continue
                regex, words = self._slot(token, entry)
                parts.append(regex)
                if not token.endswith("?"):
                    required.append(words)
            if not required:
                raise ContentError(self.path, entry, "needs at least one word that must be there")
            anchor = min(required, key=lambda ws: (any(w in COMMON for w in ws), len(ws), -min(map(len, ws))))
            keywords.update(anchor)
            for word in set(anchor):
                by_word.setdefault(word, []).append("".join(parts))
        return PatternIndex({w: re.compile(" (?:" + "|".join(ps) + ")") for w, ps in by_word.items()})

    def _marked(self, phrase: str) -> str:
        return " ".join(MARK + w if w in self.stop else w for w in phrase.split())

    @staticmethod
    def _deletes(word: str) -> set[str]:
        return {word[:i] + word[i + 1 :] for i in range(len(word))}

    def _fuzzy_index(self, keywords: set[str]) -> dict[str, str]:
        """Symmetric-delete index: a word one edit away from a keyword shares a key with it."""
        index: dict[str, str] = {}
        ambiguous: set[str] = set()
        for word in sorted(keywords):
            for key in {word, *self._deletes(word)}:
                if key in index and index[key] != word:
                    ambiguous.add(key)
                index.setdefault(key, word)
        for key in ambiguous:
            index.pop(key, None)
        for word in keywords:
            index[word] = word
        return index

    # ----- reading

    def words_of(self, text: str) -> list[str]:
        """Plain words: folded, apostrophes dropped, slang and misspellings replaced."""
        text = unicodedata.normalize("NFKC", text[:MAX_INPUT]).casefold()
        text = _REPEATS.sub(r"\1\1", _APOSTROPHES.sub("", text))
        out: list[str] = []
        for raw in _NOT_WORD.sub(" ", text).split():
            known = self._seen.get(raw)
            if known is None:
                known = self._plain_token(raw)
                if len(self._seen) >= TOKEN_CACHE:
                    self._seen.clear()
                self._seen[raw] = known
            out.extend(known)
        return out

    def _plain_token(self, raw: str) -> tuple[str, ...]:
        if not raw.isalpha() and not raw.isdigit():
            raw = raw.translate(_LEET)
        plain = self.words.get(raw)
        if plain is not None:
            return plain
        if raw in self.anchors or not FUZZY_MIN_LEN - 1 <= len(raw) <= 20:
            return (raw,)
        fixed = self._fuzzy.get(raw)
        if fixed is None:
            for key in self._deletes(raw):
                fixed = self._fuzzy.get(key)
                if fixed is not None:
                    break
        return (fixed or raw,)

    def read(self, text: str) -> Reading:
        """Subject-less words of distress next to a close person are about them ("my cousin said ...")."""
        reading, words = self._read(text)
        about_other = not {"i", "myself"}.intersection(words) and any(w in self.close_nouns for w in words)
        if reading.concern is Concern.SELF and about_other:
            return Reading(Concern.OTHER, reading.reason)
        return reading

    def plain_words(self, text: str) -> list[str]:
        """The words the patterns and the word model see: cleaned, slang replaced, phrases joined."""
        words = self.words_of(text)
        joined = " " + " ".join(words) + " "
        present = set(words)
        for first, phrase, plain in self.phrases:
            if first in present:
                joined = joined.replace(phrase, plain)
        return joined.split()

    def _read(self, text: str) -> tuple[Reading, list[str]]:
        words = self.plain_words(text)
        stems = {stem(w) for w in words}
        light = sum(self.light_words.get(w, 0) for w in stems)
        heavy = any(self.signal_words.get(w, 0) >= 2 for w in stems)
        if light < SIGNAL_THRESHOLD and not heavy and not any(w in self.anchors for w in words):
            return self._by_model(words, None), words  # patterns and heavy signals all need an anchor word
        joined = " " + self._marked(" ".join(words)) + " "
        work = self.work_re.search(joined) is not None
        present = set(words)
        found = self.self_re.search(joined, present)
        other = self.other_re.search(joined, present)
        quoted = found is not None and work and self._reported(joined, found.start())
        if found is not None and not quoted and (other is None or other.start() >= found.start()):
            return Reading(Concern.SELF, found.group(0).strip()), words
        if other is not None:
            if any(w in self.close_nouns and not (work and w in self.workers) for w in words):
                return Reading(Concern.OTHER, other.group(0).strip()), words
            if work or any(w in self.workers for w in words):
                return Reading(Concern.WORK, other.group(0).strip()), words
            return Reading(Concern.OTHER, other.group(0).strip()), words
        if found is not None:
            return Reading(Concern.WORK, found.group(0).strip()), words
        topic = self.topic_re.search(joined, present)
        work = work and not self._speaks_of_self(words)
        if topic is not None:
            return Reading(Concern.WORK if work else Concern.SELF, topic.group(0).strip()), words
        found_signals = {m.group(1) for m in self.signal_re.finditer(joined)}
        score = sum(self.signal_phrases[k] for k in found_signals)
        single = {w for w in stems if w in self.signal_words}
        score += sum(self.signal_words[w] for w in single)
        if score >= SIGNAL_THRESHOLD:
            reason = "words: " + ", ".join(sorted({k.replace(MARK, "") for k in found_signals} | single))
            return Reading(Concern.WORK if work else Concern.SELF, reason), words
        return self._by_model(words, work), words

    def _by_model(self, words: list[str], work: bool | None) -> Reading:
        """Last, the word model: it catches new ways of saying it that no pattern names."""
        if self.model is None or not self.model.leans_to_distress(words):
            return Reading(Concern.NONE)
        if work is None:
            joined = " " + self._marked(" ".join(words)) + " "
            work = self.work_re.search(joined) is not None and not self._speaks_of_self(words)
        return Reading(Concern.WORK if work else Concern.SELF, "word model")

    @staticmethod
    def _speaks_of_self(words: list[str]) -> bool:
        """An "I" that is not part of a how-to question ("how do I", "what should I")."""
        return any(w in FIRST_PERSON and (i == 0 or words[i - 1] not in ASKING) for i, w in enumerate(words))

    def _reported(self, joined: str, start: int) -> bool:
        """First-person words that quote someone at work ("a patient told me I want to die")."""
        earlier = [w.lstrip(MARK) for w in joined[:start].split()]
        return any(w in self.say for w in earlier[-4:]) and any(w in self.workers for w in earlier)


def load_care(path: Path | None = None, *, with_model: bool = True) -> CareDetector:
    """The patterns from ``care.toml`` and, beside it, the trained word model ``care_model.toml``."""
    path = path or DATA_DIR / "care.toml"
    model = load_model(path.with_name("care_model.toml")) if with_model else None
    return CareDetector(load_toml(path), path, model)


_current: CareDetector | None = None
_readings: dict[str, Reading] = {}
READINGS_KEPT = 4096
READING_KEPT_MAX = 200  # characters: questions and keystrokes are remembered, long shared texts are not


def use(detector: CareDetector) -> None:
    """Set the detector ``read`` uses; the bot loads it at start, so a broken file stops start-up."""
    global _current
    _current = detector
    _readings.clear()


def default_detector() -> CareDetector:
    if _current is None:
        use(load_care())
    assert _current is not None
    return _current


def read(text: str) -> Reading:
    """The one call the cogs make. Readings of texts seen lately come from memory: autocomplete sends the
    same words again and again, and /faq then sends them once more."""
    found = _readings.get(text)
    if found is None:
        found = default_detector().read(text)
        if len(text) <= READING_KEPT_MAX:
            if len(_readings) >= READINGS_KEPT:
                _readings.clear()
            _readings[text] = found
    return found
