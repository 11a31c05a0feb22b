"""The self-check's content (statements, scale, qualities, bands, next steps), validated once at start."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import Field

from bot.content import DATA_DIR, ContentError, ContentModel, Text, failed_field, load_toml, validate

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


class _Intro(ContentModel):
    intro: Text = Field(max_length=1500)
    disclaimer: Text = Field(max_length=500)


class _Scale(ContentModel):
    labels: list[Any] = Field(min_length=1)


class _Label(ContentModel):
    label: Text = Field(max_length=_LABEL_MAX)

    @classmethod
    def problem(cls, field: str, kind: str, value: Any, ctx: dict[str, Any], item: bool) -> str | None:
        return (
            f"longer than {_LABEL_MAX} characters"
            if kind == "string_too_long"
            else "must be a non-empty string"
        )


class _Lists(ContentModel):
    """The file's arrays of tables; each table is then checked by its own model."""

    quality: list[Any] = Field(min_length=1)
    statement: list[Any] = Field(min_length=1)
    band: list[Any] = Field(min_length=1)
    next_step: list[Any] = Field(min_length=1)


class _QualityTable(ContentModel):
    key: Text
    name: Text = Field(max_length=_NAME_MAX)
    strength: Text = Field(max_length=_LINE_MAX)
    growth: Text = Field(max_length=_LINE_MAX)


class _StatementTable(ContentModel):
    id: Text = Field(max_length=40)
    quality: Text
    text: Text = Field(max_length=_STATEMENT_MAX)


class _BandTable(ContentModel):
    key: Text = Field(max_length=40)
    min: float = Field(ge=0, le=1)
    title: Text = Field(max_length=256)
    reflection: Text = Field(max_length=1000)

    @classmethod
    def problem(cls, field: str, kind: str, value: Any, ctx: dict[str, Any], item: bool) -> str | None:
        return "'min' must be a number from 0.0 to 1.0" if field == "min" else None


class _AllStrengthsTable(ContentModel):
    title: Text = Field(max_length=256)
    reflection: Text = Field(max_length=1000)
    growth: Text = Field(max_length=_LINE_MAX)


class _NextStepTable(ContentModel):
    kind: Text
    text: Text = Field(max_length=_LINE_MAX)


def _entry(model: type[ContentModel], table: Any, numbered: str, named: str, key: str) -> str:
    """``quality 'calm'`` once the key itself is valid, else ``quality 3``."""
    if isinstance(table, dict) and failed_field(model, table) != key:
        return named.format(str(table[key]).strip())
    return numbered


def load_selfcheck(path: Path = SELFCHECK_FILE) -> SelfCheckContent:
    """Load and validate ``data/selfcheck.toml``; any problem raises ContentError naming the entry."""
    raw = load_toml(path)
    top = validate(_Intro, path, failed_field(_Intro, raw) or "intro", raw)
    if re.search(r"\b\d+\s+statements\b", top.intro):
        raise ContentError(path, "intro", "write {count} for the number of statements, not a number")
    labels = _labels(path, raw)
    lists = validate(_Lists, path, failed_field(_Lists, raw) or "file", raw)
    qualities = _qualities(path, lists.quality)
    statements = _statements(path, lists.statement, {q.key for q in qualities})
    bands = _bands(path, lists.band)
    next_steps = _next_steps(path, lists.next_step)
    content = SelfCheckContent(
        top.intro, top.disclaimer, labels, qualities, statements, bands, next_steps, _all_strengths(path, raw)
    )
    _check_result_fits(path, content)
    return content


def _labels(path: Path, raw: dict[str, Any]) -> tuple[str, ...]:
    labels = validate(_Scale, path, "scale", raw.get("scale")).labels
    if len(labels) != SCALE_SIZE:
        raise ContentError(path, "scale", f"'labels' has {len(labels)} entries; exactly {SCALE_SIZE} needed")
    out = [validate(_Label, path, f"scale label {i + 1}", {"label": v}).label for i, v in enumerate(labels)]
    if len(set(out)) != len(out):
        raise ContentError(path, "scale", "labels must all be different")
    return tuple(out)


def _qualities(path: Path, items: list[Any]) -> tuple[Quality, ...]:
    found: dict[str, Quality] = {}
    for i, table in enumerate(items):
        entry = _entry(_QualityTable, table, f"quality {i + 1}", "quality '{}'", "key")
        q = validate(_QualityTable, path, entry, table)
        if q.key not in QUALITY_KEYS:
            raise ContentError(path, entry, f"unknown key; expected one of {', '.join(QUALITY_KEYS)}")
        if q.key in found:
            raise ContentError(path, entry, "listed twice")
        found[q.key] = Quality(key=q.key, name=q.name, strength=q.strength, growth=q.growth)
    missing = [k for k in QUALITY_KEYS if k not in found]
    if missing:
        raise ContentError(path, "quality", f"missing qualities: {', '.join(missing)}")
    return tuple(found[k] for k in QUALITY_KEYS)


def _statements(path: Path, items: list[Any], quality_keys: set[str]) -> tuple[Statement, ...]:
    if not MIN_STATEMENTS <= len(items) <= MAX_STATEMENTS:
        raise ContentError(
            path,
            "statement",
            f"{len(items)} statements; between {MIN_STATEMENTS} and {MAX_STATEMENTS} needed",
        )
    out: list[Statement] = []
    seen: set[str] = set()
    for i, table in enumerate(items):
        entry = _entry(_StatementTable, table, f"statement {i + 1}", "statement '{}'", "id")
        st = validate(_StatementTable, path, entry, table)
        if st.id in seen:
            raise ContentError(path, entry, "id used twice")
        seen.add(st.id)
        if st.quality not in quality_keys:
            raise ContentError(path, entry, f"unknown quality '{st.quality}'")
        out.append(Statement(st.id, st.quality, st.text))
    unasked = sorted(quality_keys - {s.quality for s in out})
    if unasked:
        raise ContentError(path, "statement", f"no statement for qualities: {', '.join(unasked)}")
    return tuple(out)


def _bands(path: Path, items: list[Any]) -> tuple[Band, ...]:
    out: list[Band] = []
    for i, table in enumerate(items):
        entry = _entry(_BandTable, table, f"band {i + 1}", "band '{}'", "key")
        band = validate(_BandTable, path, entry, table)
        if any(b.key == band.key for b in out):
            raise ContentError(path, entry, "key used twice")
        minimum = Fraction(str(table["min"]))
        if out and minimum >= out[-1].min:
            raise ContentError(path, entry, "bands must be listed with 'min' strictly descending")
        out.append(Band(key=band.key, min=minimum, title=band.title, reflection=band.reflection))
    if out[-1].min != 0:
        raise ContentError(path, f"band '{out[-1].key}'", "the last band must have min = 0.0")
    return tuple(out)


def _all_strengths(path: Path, raw: dict[str, Any]) -> AllStrengths | None:
    """Optional: without it, an all-strengths result uses its band's own title and reflection."""
    if "all_strengths" not in raw:
        return None
    table = validate(_AllStrengthsTable, path, "all_strengths", raw["all_strengths"])
    return AllStrengths(title=table.title, reflection=table.reflection, growth=table.growth)


def _next_steps(path: Path, items: list[Any]) -> tuple[NextStep, ...]:
    out: list[NextStep] = []
    for i, table in enumerate(items):
        entry = f"next_step {i + 1}"
        step = validate(_NextStepTable, path, entry, table)
        if step.kind not in NEXT_STEP_KINDS:
            raise ContentError(
                path, entry, f"unknown kind '{step.kind}'; expected one of {', '.join(NEXT_STEP_KINDS)}"
            )
        out.append(NextStep(step.kind, step.text))
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
