"""Each server's own order through the pool: a keyed shuffle that new moments can join mid-cycle."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence


def rank(guild_id: int, cycle: int, key: str) -> bytes:
    """A moment's place in a server's cycle; a keyed hash so adding a moment never reorders the others."""
    return hashlib.sha256(f"{guild_id}:{cycle}:{key}".encode()).digest()


def cycle_order(guild_id: int, cycle: int, pool: Iterable[str]) -> list[str]:
    """The full shuffled order of ``pool`` for one server and cycle (reproducible from the seed alone)."""
    return sorted(set(pool), key=lambda k: rank(guild_id, cycle, k))


def choose_next(
    guild_id: int,
    cycle: int,
    used: Collection[str],
    pool: Collection[str],
    last_key: str | None,
    fresh: Sequence[str] = (),
) -> tuple[int, str] | None:
    """The next moment and the cycle it belongs to.

    ``fresh`` moments (newly approved, never posted) jump the queue, in the order given, so a moderator's
    approval shows within days rather than somewhere in a two-month cycle. Otherwise walks the unused part
    of the current cycle; when it is exhausted starts the next cycle, avoiding a back-to-back repeat of
    ``last_key`` across the boundary when the pool allows it.
    """
    if not pool:
        return None
    remaining = [k for k in pool if k not in used]
    if remaining:
        waiting = set(remaining)
        jumped = next((k for k in fresh if k in waiting), None)
        if jumped is not None:
            return cycle, jumped
        return cycle, min(remaining, key=lambda k: rank(guild_id, cycle, k))
    cycle += 1
    members = set(pool)
    jumped = next((k for k in fresh if k in members and k != last_key), None)
    if jumped is not None:
        return cycle, jumped
    order = cycle_order(guild_id, cycle, pool)
    if len(order) > 1 and order[0] == last_key:
        return cycle, order[1]
    return cycle, order[0]


def queue_position(
    used: Collection[str], pool: Collection[str], fresh: Sequence[str], key: str
) -> int | None:
    """How many posts come before ``key`` while it is fresh (0: it is next); None if it is not waiting."""
    members = set(pool)
    waiting = [k for k in fresh if k in members and k not in used]
    return waiting.index(key) if key in waiting else None
