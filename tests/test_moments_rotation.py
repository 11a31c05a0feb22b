"""Rotation: each server walks its own shuffled order without repeats, across restarts and new moments."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.moments.content import load_moments
from bot.moments.rotation import choose_next, cycle_order
from bot.moments.runner import MomentsRunner
from bot.moments.store import MomentsStore
from tests.backends import location, open_at
from tests.moments_fakes import FakeDiscord

BUILTINS = load_moments()
KEYS = [m.key for m in BUILTINS]
START = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


async def run_days(
    path: Path | str,
    guilds: list[int],
    days: int,
    *,
    restart_every: int = 0,
    approve_on: dict[int, int] | None = None,
) -> FakeDiscord:
    """Post daily at 13:00 Kathmandu; optionally restart the 'process' or approve submissions."""
    clock = FakeClock(START)
    discord = FakeDiscord()
    db = await open_at(path)
    store = MomentsStore(db, BUILTINS)
    for g in guilds:
        await store.set_config(g, 10 + g, time(13, 0), "Asia/Kathmandu", False, clock.now())
    runner = MomentsRunner(store, clock, discord.send)
    task = asyncio.create_task(runner.run())
    first_due = datetime(2024, 1, 2, 7, 15, tzinfo=UTC)
    try:
        for day in range(days):
            if restart_every and day and day % restart_every == 0:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await db.close()
                db = await open_at(path)
                store = MomentsStore(db, BUILTINS)
                runner = MomentsRunner(store, clock, discord.send)
                task = asyncio.create_task(runner.run())
            for g, when in (approve_on or {}).items():
                if when == day:
                    sub = await store.add_submission(
                        g, 99, f"A moment shared by a member of server {g}.", clock.now()
                    )
                    assert await store.decide(g, sub.id, True, 7, clock.now()) is not None
            clock.set(first_due + timedelta(days=day))
            await runner.settled()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await db.close()
    return discord


def assert_cycles(keys: list[str], pool_size: int) -> None:
    for start in range(0, len(keys), pool_size):
        cycle = keys[start : start + pool_size]
        assert len(set(cycle)) == len(cycle), f"a moment repeated within the cycle starting at day {start}"
    if pool_size > 1:
        assert all(a != b for a, b in itertools.pairwise(keys)), "the same moment two days running"


async def test_two_hundred_days_every_moment_once_before_any_repeat(tmp_path: Path, backend: str) -> None:
    async with location(backend, tmp_path) as where:
        discord = await run_days(where, [1, 2], 200, restart_every=37)
    for g in (1, 2):
        keys = [m.moment_key for m in discord.in_guild(g)]
        assert len(keys) == 200
        assert set(keys[: len(KEYS)]) == set(KEYS)
        assert keys[: len(KEYS)] == cycle_order(g, 0, KEYS), "order must be reproducible and survive restarts"
        assert_cycles(keys, len(KEYS))
    ones = [m.moment_key for m in discord.in_guild(1)]
    twos = [m.moment_key for m in discord.in_guild(2)]
    assert ones[:10] != twos[:10], "each server has an order of its own"
    assert ones[: len(KEYS)] != ones[len(KEYS) : 2 * len(KEYS)], "a new cycle is reshuffled"


async def test_newly_approved_moment_joins_the_current_cycle(tmp_path: Path, backend: str) -> None:
    async with location(backend, tmp_path) as where:
        discord = await run_days(where, [5], len(KEYS) + 1, approve_on={5: 10})
    keys = [m.moment_key for m in discord.in_guild(5)]
    first_cycle = keys[: len(KEYS) + 1]
    assert len(set(first_cycle)) == len(KEYS) + 1
    assert any(k.startswith("sub:") for k in first_cycle)


@given(
    guild=st.integers(1, 2**63),
    pool=st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=30, unique=True),
    steps=st.integers(1, 100),
)
def test_choose_next_walks_whole_cycles(guild: int, pool: list[str], steps: int) -> None:
    cycle, used, last = 0, set[str](), None
    seen: list[str] = []
    for _ in range(steps):
        choice = choose_next(guild, cycle, used, pool, last)
        assert choice is not None
        new_cycle, key = choice
        if new_cycle != cycle:
            assert set(used) == set(pool)
            used = set()
        cycle, last = new_cycle, key
        assert key not in used
        used.add(key)
        seen.append(key)
    assert_cycles(seen, len(pool))


def test_adding_a_moment_keeps_the_others_in_order() -> None:
    before = cycle_order(42, 3, KEYS)
    after = cycle_order(42, 3, [*KEYS, "sub:1"])
    assert [k for k in after if k != "sub:1"] == before
