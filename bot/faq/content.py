"""The built-in FAQ entries: the entry type, loading and validating data/faq.toml, and grouping by theme."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from bot.content import ContentError, ContentModel, Text, failed_field, load_toml, validate
from bot.faq.text import normalise, stem

MAX_TITLE = 100
MAX_ANSWER = 1000
MAX_THEME = 60
MAX_PHRASING = 150
MAX_KEY = 40
MAX_SOURCES = 4
SERVER_THEME = "From this server"

_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_STRESS_RE = re.compile(r"stress|crisis|burnout|burned out|well-?being", re.IGNORECASE)
# Words that mark a regulated or checkable claim (licensure, certification, scope, pay, requirements, law).
_FACT_RE = re.compile(
    r"licen[cs]|certif|credential|scope|salar|\bwages?\b|\bpay\b|regulat|\blaws?\b|statut|federal|"
    r"mandated|required|requires|requirement|\bhipaa\b|\bada\b",
    re.IGNORECASE,
)
_SOURCE_RE = re.compile(r"^https://[^\s/]+\.[a-z]{2,}(/\S*)?$")


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
    sources: tuple[str, ...] = ()

    @property
    def is_server_entry(self) -> bool:
        return self.guild_id is not None


class _FaqTable(ContentModel):
    """One [[entry]] of faq.toml as written."""

    key: Text = Field(max_length=MAX_KEY, pattern=_KEY_RE.pattern)
    title: Text = Field(max_length=MAX_TITLE)
    theme: Text = Field(max_length=MAX_THEME)
    answer: Text = Field(max_length=MAX_ANSWER)
    phrasings: list[Annotated[Text, Field(max_length=MAX_PHRASING)]] = Field(min_length=1)
    related: list[Text] = Field(default_factory=list, max_length=5)
    sources: list[Annotated[Text, Field(pattern=_SOURCE_RE.pattern)]] = Field(
        default_factory=list, max_length=MAX_SOURCES
    )

    @classmethod
    def problem(cls, field: str, kind: str, value: Any, ctx: dict[str, Any], item: bool) -> str | None:
        if field == "key" and kind == "string_pattern_mismatch":
            return "'key' may use only lower-case letters, digits, '-' and '_'"
        if field == "phrasings" and kind == "string_too_long":
            return f"phrasing {value.strip()[:30]!r}... is longer than {MAX_PHRASING}"
        if field == "related" and kind == "list_type":
            return "'related' must be a list of keys"
        if field == "related" and kind == "too_long":
            return "'related' has more than 5 keys (one button row)"
        if field == "sources" and kind == "list_type":
            return "'sources' must be a list of https addresses"
        if field == "sources" and kind == "string_pattern_mismatch":
            return f"source {value.strip()[:40]!r} is not an https address"
        if field == "sources" and kind == "too_long":
            return f"'sources' lists more than {MAX_SOURCES} pages"
        return None


def load_faq(path: Path) -> tuple[FaqEntry, ...]:
    """Read and validate faq.toml once at start, so a broken entry stops the bot with a precise message."""
    data = load_toml(path)
    raw = data.get("entry")
    if not isinstance(raw, list) or not raw:
        raise ContentError(path, "file", "needs at least one [[entry]] table")
    entries: list[FaqEntry] = []
    seen: dict[str, int] = {}
    for number, table in enumerate(raw, start=1):
        label = f"entry {number}"
        if isinstance(table, dict) and failed_field(_FaqTable, table) != "key":
            label = f"entry {number} ({str(table['key']).strip()})"
        item = validate(_FaqTable, path, label, table)
        key, related = item.key, tuple(item.related)
        if key in seen:
            raise ContentError(path, label, f"duplicate key; entry {seen[key]} already uses '{key}'")
        seen[key] = number
        if len(set(related)) != len(related):
            raise ContentError(path, label, "'related' lists the same key twice")
        if key in related:
            raise ContentError(path, label, "'related' lists the entry itself")
        if needs_resources(item.title, item.theme) and "/resources" not in item.answer.split("\n\n")[-1]:
            raise ContentError(
                path, label, "an answer about stress, crisis or wellbeing must end by pointing to /resources"
            )
        claim = states_checkable_fact(item.answer)
        if claim and not item.sources:
            raise ContentError(
                path,
                label,
                f"the answer states a checkable fact ({claim!r}) but lists no 'sources' to check it against",
            )
        entries.append(
            FaqEntry(
                key,
                item.title,
                item.answer,
                item.theme,
                tuple(item.phrasings),
                related,
                sources=tuple(item.sources),
            )
        )
    for entry in entries:
        for other in entry.related:
            if other not in seen:
                raise ContentError(
                    path, f"entry {seen[entry.key]} ({entry.key})", f"related key '{other}' does not exist"
                )
    _check_collisions(path, entries)
    return tuple(entries)


def states_checkable_fact(answer: str) -> str | None:
    """The first word showing the answer makes a regulated or checkable claim, or None."""
    found = _FACT_RE.search(answer)
    return found.group(0) if found else None


def needs_resources(title: str, theme: str) -> bool:
    """The spec's rule: answers about stress, crisis or wellbeing end with a pointer to /resources."""
    return bool(_STRESS_RE.search(title) or _STRESS_RE.search(theme))


def _check_collisions(path: Path, entries: Sequence[FaqEntry]) -> None:
    """The same phrasing under two entries would make matching a coin toss, so it is a content error."""
    owner: dict[str, str] = {}
    for entry in entries:
        for text in (entry.title, *entry.phrasings):
            norm = " ".join(stem(w) for w in normalise(text).split())
            if not norm:
                continue
            previous = owner.setdefault(norm, entry.key)
            if previous != entry.key:
                raise ContentError(path, entry.key, f"phrasing {text!r} is also used by entry '{previous}'")


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
        or needs_resources(entry.title, entry.theme)
    )
