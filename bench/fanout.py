"""Quiet-moments fan-out: many servers due in the same minute, against Discord's global 50 requests/s.

Runs the real bot against the local Discord server (which answers 429 with retry_after past 50/s),
with every server due at the same instant, and checks that each gets exactly one post. Then measures
the runner's CPU time at idle with 10,000 configured servers (and with 10, for comparison).

    .venv/bin/python bench/fanout.py [--servers 2000] [--idle-servers 10000] [--idle-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import FakeClock, SystemClock
from bot.database import Database
from bot.moments.content import load_moments
from bot.moments.runner import MomentsRunner, PostRequest
from bot.moments.store import MomentsStore
from bot.testing import DiscordServer, start_bot

GLOBAL_LIMIT = 50
DUE = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)  # 09:00 in London


async def fanout(servers: int, workdir: Path) -> bool:
    discord_server = DiscordServer()
    guilds = [discord_server.add_guild(f"Server {i}", channels=("quiet-moments",)) for i in range(servers)]
    discord_server.global_rate_limit = GLOBAL_LIMIT
    await discord_server.start()
    db_path = workdir / "fanout.sqlite3"
    db = await Database.open(db_path)
    store = MomentsStore(db, load_moments())
    configured_at = DUE - timedelta(hours=1)
    for g in guilds:
        await store.set_config(
            g.id, g.channel("quiet-moments").id, clock_time(9, 0), "Europe/London", False, configured_at
        )
    await db.close()

    clock = FakeClock(DUE - timedelta(minutes=1))
    running = await start_bot(discord_server, db_path, clock=clock)
    ok = False
    try:
        cog = running.bot.get_cog("QuietMoments")
        while getattr(cog, "runner", None) is None:
            await asyncio.sleep(0.05)
        runner: MomentsRunner = cog.runner  # type: ignore[union-attr]
        await runner.settled()
        channel_ids = {g.channel("quiet-moments").id for g in guilds}

        def posted() -> int:
            return sum(1 for cid in channel_ids if discord_server.messages.get(cid))

        first_request = len(discord_server.requests)
        limited_before = discord_server.rate_limited
        started = time.perf_counter()
        clock.set(DUE)
        await discord_server.wait_for(lambda: posted() == servers, timeout=servers / 10 + 60)
        elapsed = time.perf_counter() - started
        await runner.settled(timeout=60)
        await asyncio.sleep(2)  # room for any duplicate to show up

        during = discord_server.requests[first_request:]
        sends = [r for r in during if r.method == "POST" and r.path.endswith("/messages")]
        per_channel = [len(discord_server.messages.get(cid, [])) for cid in channel_ids]
        limited = discord_server.rate_limited - limited_before
        rate = servers / elapsed
        share = rate / GLOBAL_LIMIT
        exactly_once = all(n == 1 for n in per_channel)
        print(f"fan-out: {servers} servers due at the same instant, global limit {GLOBAL_LIMIT} requests/s")
        print(f"  total time           {elapsed:8.2f} s (due instant to last post)")
        print(f"  achieved rate        {rate:8.2f} posts/s = {share:.1%} of {GLOBAL_LIMIT}/s (target >= 90%)")
        print(
            f"  429s received        {limited:8d} of {len(during)} requests = "
            f"{limited / max(1, len(during)):.2%} (target <= 1%)"
        )
        print(f"  message requests     {len(sends):8d} (including retries after a 429)")
        print(
            f"  posts per server     min {min(per_channel)} max {max(per_channel)}: "
            f"{'every server exactly one' if exactly_once else 'NOT exactly once'}"
        )
        ok = exactly_once and share >= 0.9 and limited <= 0.01 * len(during)
    finally:
        await running.stop()
        await discord_server.stop()
    return ok


async def idle_cpu(servers: int, seconds: float, workdir: Path) -> tuple[float, int]:
    """CPU seconds the process spends while the runner holds ``servers`` schedules, none due soon."""
    db = await Database.open(workdir / f"idle-{servers}.sqlite3")
    store = MomentsStore(db, load_moments())
    clock = SystemClock()
    start = clock.now() + timedelta(hours=2)
    for i in range(servers):
        at = (start + timedelta(minutes=(i * 7) % (20 * 60))).time().replace(second=0, microsecond=0)
        await store.set_config(i + 1, 10_000 + i, at, "UTC", False, clock.now())

    async def never(request: PostRequest) -> int:
        raise AssertionError(f"nothing should be due, but {request.guild_id} was")

    runner = MomentsRunner(store, clock, never)
    task = asyncio.create_task(runner.run())
    try:
        await runner.settled(timeout=120)
        loops = runner.loops
        cpu = time.process_time()
        await asyncio.sleep(seconds)
        used = time.process_time() - cpu
        return used, runner.loops - loops
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await db.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=2000)
    parser.add_argument("--idle-servers", type=int, default=10_000)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ok = await fanout(args.servers, workdir)
        big, big_wakes = await idle_cpu(args.idle_servers, args.idle_seconds, workdir)
        small, small_wakes = await idle_cpu(10, args.idle_seconds, workdir)
    print(f"idle: runner CPU time over {args.idle_seconds:.0f} s")
    print(f"  {args.idle_servers:6d} servers     {big * 1000:8.1f} ms CPU, {big_wakes} wake-ups")
    print(f"  {10:6d} servers     {small * 1000:8.1f} ms CPU, {small_wakes} wake-ups")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
