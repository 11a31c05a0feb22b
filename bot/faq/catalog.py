"""The catalogue: built-in entries plus one server's own, as one index per server.

A server entry with a built-in topic's title replaces that topic for that server: it keeps the built-in's
phrasings and related topics (so it is found the same way) and answers for the built-in's key, so a
related-topic button pointing at the built-in opens the server's answer. Removing it brings the built-in
back."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from bot.faq.content import FaqEntry
from bot.faq.index import FaqIndex, MatchResult, Scored, autocomplete, match
from bot.faq.store import FaqStore
from bot.faq.text import question_key


@dataclasses.dataclass(frozen=True, slots=True)
class _ServerView:
    version: int
    index: FaqIndex
    replaced: dict[str, FaqEntry]


class FaqCatalog:
    """The built-in entries plus a store, handing out one index per server (rebuilt only after a change)."""

    def __init__(self, builtin: Sequence[FaqEntry], store: FaqStore) -> None:
        self.builtin = tuple(builtin)
        self.store = store
        self._builtin_index = FaqIndex(self.builtin)
        self._by_title = {question_key(e.title): e for e in self.builtin}
        self._views: dict[int, _ServerView] = {}

    def builtin_titled(self, question: str) -> FaqEntry | None:
        """The built-in topic a server question would replace (same title, case and punctuation aside)."""
        return self._by_title.get(question_key(question))

    def _view(self, guild_id: int | None) -> _ServerView | None:
        if guild_id is None:
            return None
        own = self.store.entries(guild_id)
        if not own:
            return None
        version = self.store.version(guild_id)
        view = self._views.get(guild_id)
        if view is None or view.version != version:
            replaced: dict[str, FaqEntry] = {}
            merged: list[FaqEntry] = []
            for entry in own:
                builtin = self.builtin_titled(entry.title)
                if builtin is not None and builtin.key not in replaced:
                    entry = dataclasses.replace(entry, phrasings=builtin.phrasings, related=builtin.related)
                    replaced[builtin.key] = entry
                merged.append(entry)
            kept = [e for e in self.builtin if e.key not in replaced]
            view = _ServerView(version, FaqIndex(kept + merged), replaced)
            self._views[guild_id] = view
        return view

    def warm(self, guild_id: int | None = None) -> None:
        """Build indexes now (at start, after an admin's change) rather than inside someone's /faq."""
        for guild in [guild_id] if guild_id is not None else self.store.guild_ids():
            self._view(guild)

    def index_for(self, guild_id: int | None) -> FaqIndex:
        view = self._view(guild_id)
        return self._builtin_index if view is None else view.index

    def get(self, key: str, guild_id: int | None) -> FaqEntry | None:
        """An entry by key as this server sees it (another server's entries are invisible; a replaced
        built-in's key opens the server's own answer)."""
        view = self._view(guild_id)
        if view is None:
            return self._builtin_index.get(key)
        return view.index.get(key) or view.replaced.get(key)

    def match(self, query: str, guild_id: int | None) -> MatchResult:
        view = self._view(guild_id)
        if view is not None and (replacement := view.replaced.get(query.strip())) is not None:
            return MatchResult(query, replacement, 100.0, (Scored(replacement, 100.0),))
        return match(query, self.index_for(guild_id))

    def autocomplete(self, current: str, guild_id: int | None) -> list[tuple[str, str]]:
        return autocomplete(current, self.index_for(guild_id))
