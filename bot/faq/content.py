"""The built-in FAQ entries: the entry type, loading and validating data/faq.toml, and grouping by theme."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content import ContentError, load_toml, require_list, require_str
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
        if needs_resources(title, theme) and "/resources" not in answer.split("\n\n")[-1]:
            raise ContentError(
                path, label, "an answer about stress, crisis or wellbeing must end by pointing to /resources"
            )
        sources = _sources(path, label, table, answer)
        entries.append(FaqEntry(key, title, answer, theme, phrasings, related, sources=sources))
    for entry in entries:
        for other in entry.related:
            if other not in seen:
                raise ContentError(
                    path, f"entry {seen[entry.key]} ({entry.key})", f"related key '{other}' does not exist"
                )
    _check_collisions(path, entries)
    return tuple(entries)


def _sources(path: Path, label: str, table: dict[str, Any], answer: str) -> tuple[str, ...]:
    """Official pages behind the answer: required as soon as it states a regulated or checkable fact."""
    raw = table.get("sources", [])
    if not isinstance(raw, list):
        raise ContentError(path, label, "'sources' must be a list of https addresses")
    sources = tuple(_str_items(path, label, table, "sources", raw))
    for source in sources:
        if not _SOURCE_RE.match(source):
            raise ContentError(path, label, f"source {source[:40]!r} is not an https address")
    if len(sources) > MAX_SOURCES:
        raise ContentError(path, label, f"'sources' lists more than {MAX_SOURCES} pages")
    claim = states_checkable_fact(answer)
    if claim and not sources:
        raise ContentError(
            path,
            label,
            f"the answer states a checkable fact ({claim!r}) but lists no 'sources' to check it against",
        )
    return sources


def states_checkable_fact(answer: str) -> str | None:
    """The first word showing the answer makes a regulated or checkable claim, or None."""
    found = _FACT_RE.search(answer)
    return found.group(0) if found else None


def needs_resources(title: str, theme: str) -> bool:
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
