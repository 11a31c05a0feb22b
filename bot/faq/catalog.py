"""The catalogue: built-in entries plus one server's own, as one index per server."""

from __future__ import annotations

from collections.abc import Sequence

from bot.faq.content import FaqEntry
from bot.faq.index import FaqIndex, MatchResult, autocomplete, match
from bot.faq.store import FaqStore


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
