"""Two bot processes, SHARD_COUNT=4, on one PostgreSQL, against the local Discord: every command answered
on every shard; 200 servers' daily posts exactly once, even when one process is killed mid-fan-out and
the shards are swapped between the processes on restart."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta
from pathlib import Path

from bot.clock import SystemClock
from bot.moments.content import load_moments
from bot.moments.store import MomentsStore
from bot.postgres import PostgresDatabase
from bot.testing import BotProcess, DiscordServer
from bot.testing._world import Guild
from tests.backends import fresh_schema

SERVERS = 200
SHARDS = 4


def _posts(server: DiscordServer, guild: Guild) -> int:
    return sum(1 for m in server.channel_messages(guild.channel("quiet-moments")) if m.get("embeds"))


async def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.02)


async def test_two_processes_four_shards_exactly_once_through_a_kill_and_a_swap(tmp_path: Path) -> None:
    server = DiscordServer()
    guilds = [server.add_guild(f"Ward {n}", shard=(n % SHARDS, SHARDS)) for n in range(SERVERS)]
    await server.start()
    processes: list[BotProcess] = []
    try:
        async with fresh_schema() as url:
            # The due minute is a little ahead on the bots' clock: time to start both processes first.
            start = SystemClock().now()
            due = (start + timedelta(minutes=2)).replace(second=0, microsecond=0)
            offset = due - timedelta(seconds=30) - start
            db = await PostgresDatabase.open_url(url)
            store = MomentsStore(db, load_moments())
            for guild in guilds:
                channel = guild.channel("quiet-moments").id
                await store.set_config(guild.id, channel, time(due.hour, due.minute), "UTC", False, start)
            await db.close()

            def process(name: str, ids: str) -> BotProcess:
                return BotProcess(
                    server,
                    tmp_path / f"{name}.sqlite3",
                    clock_offset=offset,
                    DATABASE_URL=url,
                    SHARD_COUNT=str(SHARDS),
                    SHARD_IDS=ids,
                )

            first, second = process("first", "0,1"), process("second", "2,3")
            processes += [first, second]
            await first.start(timeout=60)
            await second.start(timeout=60)
            await _wait(lambda: len(server.identified_shards) >= SHARDS, 30, "all four shards identified")
            assert sorted(set(server.identified_shards)) == [(s, SHARDS) for s in range(SHARDS)]

            for shard in range(SHARDS):  # every command answered on every shard
                guild = guilds[shard]
                for command in ("quietmoment", "faq", "resources"):
                    result = await server.slash(command, user=server.member, guild=guild)
                    assert await result.final(timeout=15), (command, shard)

            mine = [g for g in guilds if (g.id >> 22) % SHARDS in (0, 1)]
            await _wait(lambda: sum(_posts(server, g) for g in mine) >= 10, 90, "the first fan-out began")
            await first.kill()  # SIGKILL, mid-fan-out
            posted_at_kill = sum(_posts(server, g) for g in mine)
            assert posted_at_kill < len(mine), "the kill came after the fan-out had finished"

            swapped = process("first-again", "2,3")
            processes.append(swapped)
            await swapped.start(timeout=60)
            await second.terminate()
            rebalanced = process("second-again", "0,1")
            processes.append(rebalanced)
            await rebalanced.start(timeout=60)
            await _wait(
                lambda: all(_posts(server, g) >= 1 for g in guilds), 120, "every server's post after the swap"
            )
            await asyncio.sleep(2)  # room for a duplicate to show up, were there one
            counts = [_posts(server, g) for g in guilds]
            assert counts == [1] * SERVERS, [c for c in counts if c != 1]
            check = await PostgresDatabase.open_url(url)
            try:
                rows = await check.fetchall("SELECT state, COUNT(*) AS n FROM moment_posts GROUP BY state")
            finally:
                await check.close()
            assert {r["state"]: r["n"] for r in rows} == {"sent": SERVERS}
    finally:
        for p in processes:
            await p.ensure_stopped()
        await server.stop()
    assert not server.violations, server.violations
    assert posted_at_kill > 0
