"""Waking the runner (notify) at adversarial moments never loses, repeats or delays a daily post.

A settings change calls ``MomentsRunner.notify``; it may land just before a server's due instant, while
its claim or send is under way, right after, for that server or for others, many at once. Whatever
the timing, every server gets exactly one post per local day, at its due instant.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.database import Database
from bot.moments.runner import MomentsRunner, PostRequest
from bot.moments.schedule import due_instant
from bot.moments.store import MomentsConfig, MomentsStore
from tests.moments_fakes import FakeDiscord
from tests.test_moments_runner import CHANNEL, GUILD, MOMENTS, Harness, utc

# Four servers share one instant (09:00 London = 08:00 UTC), two sit a minute either side of it.
SLOTS = {GUILD: "09:00", GUILD + 1: "09:00", GUILD + 2: "09:00", GUILD + 3: "09:00"}
SLOTS |= {GUILD + 4: "08:59", GUILD + 5: "09:01"}
GUILDS = sorted(SLOTS)
DAYS = [date(2024, 6, 3) + timedelta(days=n) for n in range(3)]
LONDON = ZoneInfo("Europe/London")
RELOAD_POKES = 3  # a reload that re-dirties itself would go round for ever: a few times per clock move
STEPS = ("reload", "before_claim", "after_claim", "inside_send", "after_send", "after_mark")


def due(guild_id: int, day: date) -> datetime:
    hh, mm = SLOTS[guild_id].split(":")
    return due_instant(day, time(int(hh), int(mm)), LONDON)


class Poker:
    """Calls notify() from inside the runner's own steps, for the server at hand and/or for others."""

    def __init__(self, runner_of: Callable[[], MomentsRunner], pick: Callable[[str, int], list[int]]) -> None:
        self.runner_of, self.pick = runner_of, pick
        self.pokes = 0
        self.reload_pokes = 0

    def poke(self, step: str, guild_id: int) -> None:
        if step == "reload":
            if self.reload_pokes >= RELOAD_POKES:
                return
            self.reload_pokes += 1
        for target in self.pick(step, guild_id):
            self.runner_of().notify(target)
            self.pokes += 1

    async def step(self, step: str, guild_id: int) -> None:
        self.poke(step, guild_id)
        for _ in range(3):  # let the woken runner loop go round while this post is mid-way
            await asyncio.sleep(0)


def wire(h: Harness, poker: Poker) -> None:
    """Route the runner's checkpoints, its sends and its reloads through ``poker``."""
    store, send = h.store, h.discord.send
    get_config = store.get_config

    async def poked_get_config(guild_id: int) -> MomentsConfig | None:
        await poker.step("reload", guild_id)
        return await get_config(guild_id)

    async def poked_send(request: PostRequest) -> int:
        await poker.step("inside_send", request.guild_id)
        message_id = await send(request)
        await poker.step("inside_send", request.guild_id)
        return message_id

    store.get_config = poked_get_config  # type: ignore[method-assign]
    h.runner.sender = poked_send


async def configure_all(h: Harness) -> None:
    db = await Database.open(h.path)
    store = MomentsStore(db, MOMENTS)
    for guild_id, at in SLOTS.items():
        hh, mm = at.split(":")
        await store.set_config(
            guild_id, CHANNEL + guild_id, time(int(hh), int(mm)), "Europe/London", False, h.clock.now()
        )
    await db.close()


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    clock = FakeClock(utc(2024, 6, 3, 6, 0))
    h = Harness(tmp_path / "steady.sqlite3", clock, FakeDiscord(clock=clock))
    yield h
    await h.close()


async def start(h: Harness, poker: Poker) -> None:
    await configure_all(h)

    async def checkpoint(step: str, guild_id: int) -> None:
        await poker.step(step, guild_id)

    await h.start(checkpoint=checkpoint)
    wire(h, poker)


def notify_many(h: Harness, guild_ids: list[int]) -> None:
    for guild_id in guild_ids:
        h.runner.notify(guild_id)


def move(h: Harness, poker: Poker, when: datetime) -> None:
    h.clock.set(when)
    poker.reload_pokes = 0


async def walk_days(h: Harness, poker: Poker, rng: random.Random | None = None) -> None:
    """Move the clock over each day's due instants, notifying just before, at and right after them."""
    for day in DAYS:
        instants = sorted({due(g, day) for g in GUILDS})
        for instant in instants:
            before = instant - timedelta(seconds=1)
            move(h, poker, before)
            notify_many(h, GUILDS if rng is None else rng.sample(GUILDS, rng.randrange(len(GUILDS) + 1)))
            await h.runner.settled()
            assert h.runner.next_wake() == instant, "a wake-up just before the due instant moved it"
            move(h, poker, instant)
            # notify at the very instant, before the runner has even seen the clock move
            notify_many(h, GUILDS if rng is None else rng.sample(GUILDS, rng.randrange(len(GUILDS) + 1)))
            for _ in range(rng.randrange(4) if rng is not None else 1):
                await asyncio.sleep(0)
                notify_many(h, GUILDS if rng is None else [rng.choice(GUILDS)])
            await h.runner.settled()
            posted = {m.guild_id for m in h.discord.messages if m.local_date == day and m.at == instant}
            owed = {g for g in GUILDS if due(g, day) == instant}
            assert posted == owed, f"{day} {instant:%H:%M}: posted {sorted(posted)}, owed {sorted(owed)}"
            move(h, poker, instant + timedelta(seconds=1))
            notify_many(h, GUILDS)
            await h.runner.settled()
        move(h, poker, datetime.combine(day, time(20, 0), tzinfo=UTC))
        notify_many(h, GUILDS)
        await h.runner.settled()


async def check_exactly_once(h: Harness) -> None:
    for guild_id in GUILDS:
        for day in DAYS:
            mine = [m for m in h.discord.in_guild(guild_id) if m.local_date == day]
            assert len(mine) == 1, f"server {guild_id} on {day}: {len(mine)} posts"
            assert mine[0].at == due(guild_id, day), f"server {guild_id} on {day} posted late"
            record = await h.store.get_record(guild_id, day)
            assert record is not None and record.state == "sent", (guild_id, day, record)
    assert len(h.discord.messages) == len(GUILDS) * len(DAYS)
    sends = [(a.guild_id, a.local_date) for a in h.discord.attempts]
    assert len(sends) == len(set(sends)), "a post was sent twice (Discord's nonce hid the repeat)"


@pytest.mark.parametrize("targets", ["same", "others", "all"])
async def test_notify_at_every_step_of_a_post_never_loses_or_repeats_it(
    harness: Harness, targets: str
) -> None:
    def pick(step: str, guild_id: int) -> list[int]:
        if targets == "same":
            return [guild_id]
        if targets == "others":
            return [g for g in GUILDS if g != guild_id]
        return GUILDS

    poker = Poker(lambda: harness.runner, pick)
    await start(harness, poker)
    await walk_days(harness, poker)
    await check_exactly_once(harness)
    assert poker.pokes > 0


@pytest.mark.parametrize("seed", range(12))
async def test_notify_at_random_moments_never_loses_or_repeats_a_post(harness: Harness, seed: int) -> None:
    rng = random.Random(seed)
    chosen = {s for s in STEPS if rng.random() < 0.6}

    def pick(step: str, guild_id: int) -> list[int]:
        if step not in chosen:
            return []
        return rng.sample(GUILDS, rng.randrange(len(GUILDS) + 1))

    poker = Poker(lambda: harness.runner, pick)
    await start(harness, poker)
    await walk_days(harness, poker, rng)
    await check_exactly_once(harness)


@pytest.mark.parametrize("order", ["skip_first", "post_first"])
async def test_a_store_error_while_dispatching_leaves_no_server_unplanned(tmp_path: Path, order: str) -> None:
    """Back after 7 h: one server's slot is skipped, another's is due now. If recording the skip fails
    once, the due post still goes out and the skip is recorded on the next round; neither server is left
    popped from the heap with nothing planned (or stuck 'in flight' for ever)."""
    clock = FakeClock(utc(2024, 6, 2, 23, 30))  # 00:30 BST: both of today's slots are owed
    h = Harness(tmp_path / "steady.sqlite3", clock, FakeDiscord(clock=clock))
    late, now = GUILD, GUILD + 1
    db = await Database.open(h.path)
    store = MomentsStore(db, MOMENTS)
    await store.set_config(late, CHANNEL + late, time(1, 0), "Europe/London", False, clock.now())
    await store.set_config(now, CHANNEL + now, time(8, 0), "Europe/London", False, clock.now())
    await db.close()
    clock.set(utc(2024, 6, 3, 7, 0))  # 08:00 BST; 01:00 BST was 7 h ago
    failures = [RuntimeError("database is locked")]
    try:
        original = MomentsStore.record_skipped

        async def failing(self: MomentsStore, items: Any, at: datetime) -> None:
            if failures:
                raise failures.pop()
            await original(self, items, at)

        MomentsStore.record_skipped = failing  # type: ignore[method-assign]
        try:
            h.db = await Database.open(h.path)
            h.store = MomentsStore(h.db, MOMENTS)
            h.runner = MomentsRunner(h.store, clock, h.discord.send, finder=h.discord.find)
            h.task = asyncio.create_task(h.runner.run())
            await h.runner.started.wait()
            for _ in range(50):
                await asyncio.sleep(0)
            assert not failures, "the store error was not hit"
            clock.set(clock.now() + timedelta(minutes=1))  # the runner retries a minute after an error
            await h.runner.settled(timeout=5)
        finally:
            MomentsStore.record_skipped = original  # type: ignore[method-assign]
        assert [m.guild_id for m in h.discord.messages] == [now]
        posted = await h.store.get_record(now, date(2024, 6, 3))
        assert posted is not None and posted.state == "sent"
        skipped = await h.store.get_record(late, date(2024, 6, 3))
        assert skipped is not None and skipped.state == "skipped"
        assert h.runner.next_wake() is not None and h.runner.next_wake() > clock.now()
    finally:
        await h.close()


async def test_a_store_error_while_reloading_a_changed_server_is_retried(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server set up while the bot runs: if reading its settings back fails once, the runner tries
    again on its next round rather than forgetting the change (it would never post until a restart)."""
    await harness.start()
    assert harness.runner.next_wake() is None or harness.runner.next_wake() > harness.clock.now()
    failures = [RuntimeError("database is locked")]
    get_config = harness.store.get_config

    async def failing(guild_id: int) -> MomentsConfig | None:
        if failures:
            raise failures.pop()
        return await get_config(guild_id)

    await harness.store.set_config(GUILD, CHANNEL, time(9, 0), "Europe/London", False, harness.clock.now())
    monkeypatch.setattr(harness.store, "get_config", failing)
    harness.runner.notify(GUILD)
    for _ in range(50):
        await asyncio.sleep(0)
    assert not failures, "the store error was not hit"
    await harness.at(harness.clock.now() + timedelta(minutes=1))  # the runner retries a minute after an error
    assert harness.runner.next_wake() == utc(2024, 6, 3, 8, 0)
    await harness.at(utc(2024, 6, 3, 8, 0))
    assert [m.guild_id for m in harness.discord.messages] == [GUILD]


async def test_a_server_whose_settings_never_read_does_not_hold_up_the_others(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await configure_all(harness)
    await harness.start()
    broken = GUILD + 4
    get_config = harness.store.get_config

    async def failing(guild_id: int) -> MomentsConfig | None:
        if guild_id == broken:
            raise RuntimeError("unreadable row")
        return await get_config(guild_id)

    monkeypatch.setattr(harness.store, "get_config", failing)
    notify_many(harness, GUILDS)
    harness.clock.set(utc(2024, 6, 3, 8, 2))  # past every slot of the day
    for _ in range(500):
        if len({m.guild_id for m in harness.discord.messages}) == len(GUILDS):
            break
        await asyncio.sleep(0.01)
    # the unreadable one keeps the plan it had; every server posts once
    assert sorted(m.guild_id for m in harness.discord.messages) == GUILDS
