"""The self-check's content (statements, scale, qualities, bands, next steps), validated once at start."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from bot.content import DATA_DIR, ContentError, load_toml, require_list, require_str

SELFCHECK_FILE = DATA_DIR / "selfcheck.toml"

QUALITY_KEYS: tuple[str, ...] = (
    "patience",
    "boundaries",
    "care",
    "empathy",
    "communication",
    "observation",
    "resilience",
    "calm",
    "confidentiality",
    "shift_work",
)
SCALE_SIZE = 4
MIN_STATEMENTS = 12
MAX_STATEMENTS = 16
# Next-step kinds, in the order the result shows them, with their short headings.
NEXT_STEP_KINDS: dict[str, str] = {
    "education": "Education routes",
    "certification": "Certification",
    "career": "Where it can lead",
    "faq": "Worth reading",
}
REQUIRED_NEXT_STEP_KINDS = ("education", "career")
# Discord limits the content has to fit: button labels, embed field values, embed totals.
_LABEL_MAX = 80
_STATEMENT_MAX = 300
_LINE_MAX = 300
_NAME_MAX = 60
_FIELD_MAX = 1024
_EMBED_MAX = 6000


@dataclass(frozen=True)
class Quality:
    key: str
    name: str
    strength: str
    growth: str


@dataclass(frozen=True)
class Statement:
    id: str
    quality: str
    text: str


@dataclass(frozen=True)
class Band:
    key: str
    min: Fraction
    title: str
    reflection: str


@dataclass(frozen=True)
class AllStrengths:
    """The result's title, reflection and growth note when no quality came out as an area to grow."""

    title: str
    reflection: str
    growth: str


@dataclass(frozen=True)
class NextStep:
    kind: str
    text: str


@dataclass(frozen=True)
class SelfCheckContent:
    """Everything the self-check shows; ``version`` changes whenever the questions do."""

    intro: str
    disclaimer: str
    labels: tuple[str, ...]
    qualities: tuple[Quality, ...]
    statements: tuple[Statement, ...]
    bands: tuple[Band, ...]
    next_steps: tuple[NextStep, ...]
    all_strengths: AllStrengths | None = None

    @property
    def total(self) -> int:
        return len(self.statements)

    @property
    def max_value(self) -> int:
        return len(self.labels) - 1

    @property
    def version(self) -> str:
        """A short fingerprint of the question list, so a run started on other questions is recognised."""
        ids = "\n".join(f"{s.id}:{s.quality}" for s in self.statements)
        return hashlib.sha256(f"{len(self.labels)}\n{ids}".encode()).hexdigest()[:16]

    def quality(self, key: str) -> Quality:
        for q in self.qualities:
            if q.key == key:
                return q
        raise KeyError(key)


def load_selfcheck(path: Path = SELFCHECK_FILE) -> SelfCheckContent:
    """Load and validate ``data/selfcheck.toml``; any problem raises ContentError naming the entry."""
    raw = load_toml(path)
    intro = require_str(path, "intro", raw, "intro", max_len=1500)
    if re.search(r"\b\d+\s+statements\b", intro):
        raise ContentError(path, "intro", "write {count} for the number of statements, not a number")
    disclaimer = require_str(path, "disclaimer", raw, "disclaimer", max_len=500)
    labels = _labels(path, raw)
    qualities = _qualities(path, raw)
    statements = _statements(path, raw, {q.key for q in qualities})
    bands = _bands(path, raw)
    next_steps = _next_steps(path, raw)
    content = SelfCheckContent(
        intro, disclaimer, labels, qualities, statements, bands, next_steps, _all_strengths(path, raw)
    )
    _check_result_fits(path, content)
    return content


def _table(path: Path, entry: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ContentError(path, entry, "must be a table")
    return value


def _labels(path: Path, raw: dict[str, Any]) -> tuple[str, ...]:
    scale = _table(path, "scale", raw.get("scale"))
    labels = require_list(path, "scale", scale, "labels")
    if len(labels) != SCALE_SIZE:
        raise ContentError(path, "scale", f"'labels' has {len(labels)} entries; exactly {SCALE_SIZE} needed")
    out: list[str] = []
    for i, label in enumerate(labels):
        if not isinstance(label, str) or not label.strip():
            raise ContentError(path, f"scale label {i + 1}", "must be a non-empty string")
        if len(label.strip()) > _LABEL_MAX:
            raise ContentError(path, f"scale label {i + 1}", f"longer than {_LABEL_MAX} characters")
        out.append(label.strip())
    if len(set(out)) != len(out):
        raise ContentError(path, "scale", "labels must all be different")
    return tuple(out)


def _qualities(path: Path, raw: dict[str, Any]) -> tuple[Quality, ...]:
    found: dict[str, Quality] = {}
    for i, item in enumerate(require_list(path, "quality", raw, "quality")):
        entry = f"quality {i + 1}"
        table = _table(path, entry, item)
        key = require_str(path, entry, table, "key")
        entry = f"quality '{key}'"
        if key not in QUALITY_KEYS:
            raise ContentError(path, entry, f"unknown key; expected one of {', '.join(QUALITY_KEYS)}")
        if key in found:
            raise ContentError(path, entry, "listed twice")
        found[key] = Quality(
            key=key,
            name=require_str(path, entry, table, "name", max_len=_NAME_MAX),
            strength=require_str(path, entry, table, "strength", max_len=_LINE_MAX),
            growth=require_str(path, entry, table, "growth", max_len=_LINE_MAX),
        )
    missing = [k for k in QUALITY_KEYS if k not in found]
    if missing:
        raise ContentError(path, "quality", f"missing qualities: {', '.join(missing)}")
    return tuple(found[k] for k in QUALITY_KEYS)


def _statements(path: Path, raw: dict[str, Any], quality_keys: set[str]) -> tuple[Statement, ...]:
    items = require_list(path, "statement", raw, "statement")
    if not MIN_STATEMENTS <= len(items) <= MAX_STATEMENTS:
        raise ContentError(
            path,
            "statement",
            f"{len(items)} statements; between {MIN_STATEMENTS} and {MAX_STATEMENTS} needed",
        )
    out: list[Statement] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        entry = f"statement {i + 1}"
        table = _table(path, entry, item)
        sid = require_str(path, entry, table, "id", max_len=40)
        entry = f"statement '{sid}'"
        if sid in seen:
            raise ContentError(path, entry, "id used twice")
        seen.add(sid)
        quality = require_str(path, entry, table, "quality")
        if quality not in quality_keys:
            raise ContentError(path, entry, f"unknown quality '{quality}'")
        out.append(Statement(sid, quality, require_str(path, entry, table, "text", max_len=_STATEMENT_MAX)))
    unasked = sorted(quality_keys - {s.quality for s in out})
    if unasked:
        raise ContentError(path, "statement", f"no statement for qualities: {', '.join(unasked)}")
    return tuple(out)


def _bands(path: Path, raw: dict[str, Any]) -> tuple[Band, ...]:
    out: list[Band] = []
    for i, item in enumerate(require_list(path, "band", raw, "band")):
        entry = f"band {i + 1}"
        table = _table(path, entry, item)
        key = require_str(path, entry, table, "key", max_len=40)
        entry = f"band '{key}'"
        if any(b.key == key for b in out):
            raise ContentError(path, entry, "key used twice")
        value = table.get("min")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ContentError(path, entry, "'min' must be a number from 0.0 to 1.0")
        minimum = Fraction(str(value))
        if out and minimum >= out[-1].min:
            raise ContentError(path, entry, "bands must be listed with 'min' strictly descending")
        out.append(
            Band(
                key=key,
                min=minimum,
                title=require_str(path, entry, table, "title", max_len=256),
                reflection=require_str(path, entry, table, "reflection", max_len=1000),
            )
        )
    if out[-1].min != 0:
        raise ContentError(path, f"band '{out[-1].key}'", "the last band must have min = 0.0")
    return tuple(out)


def _all_strengths(path: Path, raw: dict[str, Any]) -> AllStrengths | None:
    """Optional: without it, an all-strengths result uses its band's own title and reflection."""
    if "all_strengths" not in raw:
        return None
    table = _table(path, "all_strengths", raw["all_strengths"])
    return AllStrengths(
        title=require_str(path, "all_strengths", table, "title", max_len=256),
        reflection=require_str(path, "all_strengths", table, "reflection", max_len=1000),
        growth=require_str(path, "all_strengths", table, "growth", max_len=_LINE_MAX),
    )


def _next_steps(path: Path, raw: dict[str, Any]) -> tuple[NextStep, ...]:
    out: list[NextStep] = []
    for i, item in enumerate(require_list(path, "next_step", raw, "next_step")):
        entry = f"next_step {i + 1}"
        table = _table(path, entry, item)
        kind = require_str(path, entry, table, "kind")
        if kind not in NEXT_STEP_KINDS:
            raise ContentError(
                path, entry, f"unknown kind '{kind}'; expected one of {', '.join(NEXT_STEP_KINDS)}"
            )
        out.append(NextStep(kind, require_str(path, entry, table, "text", max_len=_LINE_MAX)))
    for kind in REQUIRED_NEXT_STEP_KINDS:
        if not any(s.kind == kind for s in out):
            raise ContentError(path, "next_step", f"at least one step of kind '{kind}' is needed")
    for kind in NEXT_STEP_KINDS:
        size = sum(len(s.text) + 3 for s in out if s.kind == kind)
        if size > _FIELD_MAX:
            raise ContentError(
                path, "next_step", f"the '{kind}' steps add up to {size} characters; at most {_FIELD_MAX}"
            )
    return tuple(out)


def _check_result_fits(path: Path, content: SelfCheckContent) -> None:
    """The longest possible result must still fit in one Discord embed."""
    from bot.selfcheck.screens import SHOWN_PER_LIST, longest_list_field, result_length_bound

    field = longest_list_field(content, SHOWN_PER_LIST)
    if field > _FIELD_MAX:
        raise ContentError(
            path,
            "quality",
            f"the longest strengths or growth list would be {field} characters; at most {_FIELD_MAX}",
        )
    worst = result_length_bound(content, SHOWN_PER_LIST)
    if worst > _EMBED_MAX:
        raise ContentError(
            path, "file", f"the longest result would be {worst} characters; Discord allows {_EMBED_MAX}"
        )
