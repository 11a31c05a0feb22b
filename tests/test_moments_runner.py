"""The runner with a fake clock and a fake Discord: exactly once through crashes, catch-up, failures."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.database import Database
from bot.moments.content import Moment
from bot.moments.runner import MomentsRunner, PostFailure
from bot.moments.store import MomentsStore
from bot.shards import ShardPlan, shard_of
from tests.backends import location, open_at
from tests.moments_fakes import FakeDiscord

GUILD = 111
CHANNEL = 222
MOMENTS = [Moment(key=f"m{i:02d}", text=f"Moment number {i}.") for i in range(12)]
LONDON = "Europe/London"


class SimulatedCrash(BaseException):
    """Stands in for the process dying: not an Exception, so nothing in the runner swallows it."""


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Harness:
    """One 'process': a database connection, a store and a runner task, restartable on the same file."""

    def __init__(self, path: Path | str, clock: FakeClock, discord: FakeDiscord) -> None:
        self.path, self.clock, self.discord = path, clock, discord
        self.db: Database | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self, checkpoint=None, **kwargs) -> MomentsRunner:  # type: ignore[no-untyped-def]
        self.db = await open_at(self.path)
        self.store = MomentsStore(self.db, MOMENTS)
        kwargs.setdefault("finder", self.discord.find)
        self.runner = MomentsRunner(
            self.store, self.clock, self.discord.send, checkpoint=checkpoint, **kwargs
        )
        self.task = asyncio.create_task(self.runner.run())
        await self.runner.settled()
        return self.runner

    async def crashed(self) -> None:
        """Wait for the runner to die of a SimulatedCrash, then drop the 'process'."""
        assert self.task is not None
        with pytest.raises(BaseExceptionGroup) as err:
            await asyncio.wait_for(self.task, 5)
        assert err.group_contains(SimulatedCrash)
        await self.close()

    async def close(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        self.task = None
        if self.db is not None:
            await self.db.close()
            self.db = None

    async def at(self, when: datetime) -> None:
        self.clock.set(when)
        await self.runner.settled()


@pytest.fixture
async def env(tmp_path: Path, backend: str) -> AsyncIterator[Harness]:
    clock = FakeClock(utc(2024, 6, 3, 6, 0))
    async with location(backend, tmp_path) as where:
        h = Harness(where, clock, FakeDiscord(clock=clock))
        yield h
        await h.close()


async def configure(h: Harness, at: str = "09:00", zone: str = LONDON, guild: int = GUILD) -> None:
    db = await open_at(h.path)
    h_store = MomentsStore(db, MOMENTS)
    hh, mm = at.split(":")
    await h_store.set_config(guild, CHANNEL + guild, time(int(hh), int(mm)), zone, False, h.clock.now())
    await db.close()


async def test_posts_at_the_due_instant_and_only_once(env: Harness) -> None:
    await configure(env)
    await env.start()
    await env.at(utc(2024, 6, 3, 7, 59))
    assert env.discord.messages == []
    await env.at(utc(2024, 6, 3, 8, 0))  # 09:00 BST
    assert len(env.discord.messages) == 1
    await env.at(utc(2024, 6, 3, 20, 0))
    assert len(env.discord.messages) == 1
    await env.close()
    await env.start()
    await env.at(utc(2024, 6, 3, 23, 0))
    assert len(env.discord.messages) == 1
    await env.at(utc(2024, 6, 4, 8, 0))
    assert len(env.discord.messages) == 2
    record = await env.store.get_record(GUILD, date(2024, 6, 3))
    assert record is not None and record.state == "sent"
    assert record.message_id == env.discord.messages[0].id


@pytest.mark.parametrize("step", ["before_claim", "after_claim", "inside_send", "after_send", "after_mark"])
@pytest.mark.parametrize("restart_after", [timedelta(seconds=30), timedelta(hours=2)])
async def test_crash_at_every_step_then_restart_gives_exactly_one_message(
    env: Harness, step: str, restart_after: timedelta
) -> None:
    await configure(env)
    crashes: list[str] = []

    async def checkpoint(name: str, guild_id: int) -> None:
        if name == step and not crashes:
            crashes.append(name)
            raise SimulatedCrash(name)

    if step == "inside_send":
        env.discord.crash_after_store = SimulatedCrash("inside_send")
    await env.start(checkpoint=checkpoint)
    env.clock.set(utc(2024, 6, 3, 8, 0))
    await env.crashed()
    expected_before = 0 if step in ("before_claim", "after_claim") else 1
    assert len(env.discord.messages) == expected_before

    env.clock.set(utc(2024, 6, 3, 8, 0) + restart_after)
    await env.start()
    assert len(env.discord.messages) == 1
    record = await env.store.get_record(GUILD, date(2024, 6, 3))
    assert record is not None and record.state == "sent"
    assert record.message_id == env.discord.messages[0].id
    await env.at(utc(2024, 6, 3, 23, 0))
    assert len(env.discord.messages) == 1
    await env.at(utc(2024, 6, 4, 8, 0))
    assert len(env.discord.messages) == 2


@pytest.mark.parametrize("look_first", [False, True])
async def test_resend_after_the_nonce_window_looks_in_the_channel_first(
    env: Harness, look_first: bool
) -> None:
    """Discord forgets a nonce after a few minutes: without looking first, a late resend posts twice."""
    await configure(env)
    env.discord.crash_after_store = SimulatedCrash("response lost, process gone")
    await env.start(finder=env.discord.find if look_first else None)
    env.clock.set(utc(2024, 6, 3, 8, 0))
    await env.crashed()
    assert len(env.discord.messages) == 1
    env.clock.set(utc(2024, 6, 3, 8, 10))
    await env.start(finder=env.discord.find if look_first else None)
    assert len(env.discord.messages) == (1 if look_first else 2)
    if look_first:
        record = await env.store.get_record(GUILD, date(2024, 6, 3))
        assert record is not None and record.state == "sent"
        assert record.message_id == env.discord.messages[0].id
        assert len(env.discord.attempts) == 1 and len(env.discord.lookups) == 1


@pytest.mark.parametrize(
    ("stored", "restart_after"),
    [(True, timedelta(minutes=10)), (True, timedelta(minutes=1)), (False, timedelta(minutes=10))],
)
async def test_lost_response_then_restart_posts_exactly_once(
    env: Harness, stored: bool, restart_after: timedelta
) -> None:
    await configure(env)
    if stored:
        env.discord.lose_responses = 1
    else:
        env.discord.failures[CHANNEL + GUILD] = PostFailure("Could not reach Discord.", transient=True)
    await env.start()
    await env.at(utc(2024, 6, 3, 8, 0))
    env.discord.failures.clear()
    assert len(env.discord.messages) == (1 if stored else 0)
    await env.close()
    env.clock.set(utc(2024, 6, 3, 8, 0) + restart_after)
    await env.start()
    await env.at(env.clock.now() + timedelta(minutes=6))
    assert len(env.discord.messages) == 1
    record = await env.store.get_record(GUILD, date(2024, 6, 3))
    assert record is not None and record.state == "sent"
    assert record.message_id == env.discord.messages[0].id


async def test_rate_limit_is_retried_inside_the_catch_up_window_not_recorded_as_failure(env: Harness) -> None:
    await configure(env)
    slow_down = PostFailure("Discord asked Steady to slow down.", rate_limited=True)
    env.discord.failures[CHANNEL + GUILD] = slow_down
    await env.start()
    for minutes in (0, 1, 6, 16, 26, 36):
        await env.at(utc(2024, 6, 3, 8, minutes))
    record = await env.store.get_record(GUILD, date(2024, 6, 3))
    assert record is not None and record.state == "claimed", "still retrying, not the day's failure"
    del env.discord.failures[CHANNEL + GUILD]
    await env.at(utc(2024, 6, 3, 8, 46))
    record = await env.store.get_record(GUILD, date(2024, 6, 3))
    assert record is not None and record.state == "sent"
    assert len(env.discord.messages) == 1


async def test_two_runners_on_one_database_post_once(env: Harness) -> None:
    await configure(env)
    await env.start()
    other_db = await open_at(env.path)
    other = MomentsRunner(MomentsStore(other_db, MOMENTS), env.clock, env.discord.send)
    other_task = asyncio.create_task(other.run())
    try:
        await other.settled()
        env.clock.set(utc(2024, 6, 3, 8, 0))
        await env.runner.settled()
        await other.settled()
        assert len(env.discord.messages) == 1
    finally:
        other_task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await other_task
        await other_db.close()


@pytest.mark.parametrize(
    ("late", "posted"),
    [
        (timedelta(hours=5, minutes=59), True),
        (timedelta(hours=6, minutes=1), False),
        (timedelta(hours=6), False),
    ],
)
async def test_catch_up_after_downtime(env: Harness, late: timedelta, posted: bool) -> None:
    await configure(env)
    env.clock.set(utc(2024, 6, 3, 8, 0) + late)  # the bot was down across 09:00 BST
    await env.start()
    record = await env.store.get_record(GUILD, date(2024, 6, 3))
    assert record is not None
    if posted:
        assert len(env.discord.messages) == 1 and record.state == "sent"
    else:
        assert env.discord.messages == [] and record.state == "skipped"
        assert record.reason and "6 hours" in record.reason
    await env.at(utc(2024, 6, 4, 8, 0))
    assert len(env.discord.messages) == (2 if posted else 1)


async def test_configured_after_todays_time_first_posts_tomorrow(env: Harness) -> None:
    env.clock.set(utc(2024, 6, 3, 9, 0))  # 10:00 BST, after 09:00
    await configure(env)
    await env.start()
    await env.at(utc(2024, 6, 3, 23, 59))
    assert env.discord.messages == []
    assert await env.store.get_record(GUILD, date(2024, 6, 3)) is None
    await env.at(utc(2024, 6, 4, 8, 0))
    assert len(env.discord.messages) == 1


async def test_config_change_wakes_the_runner(env: Harness) -> None:
    await configure(env, at="05:00")  # already past today: sleeping until tomorrow
    await env.start()
    assert env.runner.next_wake() == utc(2024, 6, 4, 4, 0)
    await env.store.set_config(GUILD, CHANNEL, time(12, 0), LONDON, False, env.clock.now())
    env.runner.notify(GUILD)
    await env.runner.settled()
    assert env.runner.next_wake() == utc(2024, 6, 3, 11, 0)
    await env.at(utc(2024, 6, 3, 11, 0))
    assert len(env.discord.messages) == 1
    await env.store.set_paused(GUILD, True, env.clock.now())
    env.runner.notify(GUILD)
    await env.at(utc(2024, 6, 5, 12, 0))
    assert len(env.discord.messages) == 1
    await env.store.set_paused(GUILD, False, env.clock.now())  # 13:00 BST: no catch-up for today
    env.runner.notify(GUILD)
    await env.at(utc(2024, 6, 5, 20, 0))
    assert len(env.discord.messages) == 1
    await env.at(utc(2024, 6, 6, 11, 0))
    assert len(env.discord.messages) == 2


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        (
            PostFailure("Steady is missing permission to post there (Discord error 50013).", code=50013),
            "50013",
        ),
        (PostFailure("The channel no longer exists (Discord error 10003).", code=10003), "10003"),
    ],
)
async def test_failure_is_recorded_and_retried_next_day_not_in_a_loop(
    env: Harness, failure: PostFailure, words: str
) -> None:
    await configure(env)
    await configure(env, guild=GUILD + 1)
    env.discord.failures[CHANNEL + GUILD] = failure
    await env.start()
    await env.at(utc(2024, 6, 3, 8, 0))
    await env.at(utc(2024, 6, 3, 20, 0))
    record = await env.store.get_record(GUILD, date(2024, 6, 3))
    assert record is not None and record.state == "failed" and words in (record.reason or "")
    tries = [a for a in env.discord.attempts if a.guild_id == GUILD]
    assert len(tries) == 1, "a permanent failure must not be retried the same day"
    assert len(env.discord.in_guild(GUILD + 1)) == 1, "one server's failure must not affect another"
    await env.close()
    await env.start()
    await env.at(utc(2024, 6, 3, 23, 0))
    assert len([a for a in env.discord.attempts if a.guild_id == GUILD]) == 1
    del env.discord.failures[CHANNEL + GUILD]
    await env.at(utc(2024, 6, 4, 8, 0))
    assert len(env.discord.in_guild(GUILD)) == 1
    failed_key = record.moment_key
    assert env.discord.in_guild(GUILD)[0].moment_key == failed_key, (
        "an unseen moment goes back to the rotation"
    )


async def test_transient_error_retries_with_the_same_nonce_then_gives_up(env: Harness) -> None:
    await configure(env)
    env.discord.failures[CHANNEL + GUILD] = PostFailure("Discord had a hiccup (HTTP 503).", transient=True)
    await env.start()
    await env.at(utc(2024, 6, 3, 8, 0))
    await env.at(utc(2024, 6, 3, 8, 1))
    del env.discord.failures[CHANNEL + GUILD]
    await env.at(utc(2024, 6, 3, 8, 6))
    assert len(env.discord.messages) == 1
    nonces = {a.nonce for a in env.discord.attempts}
    assert len(env.discord.attempts) == 3 and len(nonces) == 1
    env.discord.failures[CHANNEL + GUILD] = PostFailure("Discord had a hiccup (HTTP 503).", transient=True)
    for t in [utc(2024, 6, 4, 8, 0), utc(2024, 6, 4, 8, 1), utc(2024, 6, 4, 8, 6), utc(2024, 6, 4, 12, 0)]:
        await env.at(t)
    record = await env.store.get_record(GUILD, date(2024, 6, 4))
    assert (
        record is not None
        and record.state == "failed"
        and "Gave up after 3 attempts" in (record.reason or "")
    )
    assert len(env.discord.attempts) == 6


async def test_stale_claim_is_not_resent_after_six_hours(env: Harness) -> None:
    await configure(env)

    async def checkpoint(name: str, guild_id: int) -> None:
        if name == "after_claim":
            raise SimulatedCrash(name)

    await env.start(checkpoint=checkpoint)
    env.clock.set(utc(2024, 6, 3, 8, 0))
    await env.crashed()
    env.clock.set(utc(2024, 6, 3, 14, 30))
    await env.start()
    record = await env.store.get_record(GUILD, date(2024, 6, 3))
    assert record is not None and record.state == "failed" and "interrupted" in (record.reason or "")
    assert env.discord.messages == []


async def test_idle_cost_does_not_grow_with_servers(env: Harness) -> None:
    db = await open_at(env.path)
    store = MomentsStore(db, MOMENTS)
    for g in range(1, 1001):
        await store.set_config(g, 5, time(g % 24, 0), "Asia/Kathmandu", False, env.clock.now())
    await db.close()
    await env.start()
    loops = env.runner.loops
    for minute in range(1, 10):  # 06:00-06:09 UTC: nobody due (Kathmandu times are :15 past the hour)
        await env.at(utc(2024, 6, 3, 6, minute))
    assert env.runner.loops == loops, "the runner woke up with nothing due"
    await env.at(utc(2024, 6, 3, 6, 15))  # 12:00 in Kathmandu
    assert {m.guild_id for m in env.discord.messages} == {g for g in range(1, 1001) if g % 24 == 12}


async def test_old_post_records_are_pruned_once_a_day(env: Harness) -> None:
    await configure(env)
    await env.start()
    for day in range(40):
        await env.at(utc(2024, 6, 3, 8, 0) + timedelta(days=day))
    assert len(env.discord.messages) == 40
    kept = await env.store.records_since(date(2000, 1, 1))
    assert 27 <= len(kept) <= 29, "about four weeks of history is kept"
    assert min(r.local_date for r in kept) >= date(2024, 7, 12) - timedelta(weeks=4)


async def test_each_process_schedules_only_its_own_shards(env: Harness) -> None:
    """Two runners, each owning half the shards: every server posts once, by its owner."""
    guilds = [(n << 22) + 1 for n in range(8)]
    for g in guilds:
        await configure(env, guild=g)
    plans = [ShardPlan(4, (0, 1)), ShardPlan(4, (2, 3))]
    await env.start(owns=plans[0].owner())
    other_db = await open_at(env.path)
    other = MomentsRunner(MomentsStore(other_db, MOMENTS), env.clock, env.discord.send, owns=plans[1].owner())
    other_task = asyncio.create_task(other.run())
    try:
        await other.settled()
        await env.at(utc(2024, 6, 3, 8, 0))
        await other.settled()
        assert sorted(m.guild_id for m in env.discord.messages) == guilds
        assert {shard_of(g, 4) for g in env.runner._guilds} <= {0, 1}
        assert {shard_of(g, 4) for g in other._guilds} <= {2, 3}
    finally:
        other_task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await other_task
        await other_db.close()
