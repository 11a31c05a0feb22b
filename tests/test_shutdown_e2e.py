"""SIGTERM during a large fan-out of daily posts: nothing is lost, nothing is doubled."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.database import Database
from bot.moments.content import load_moments
from bot.moments.store import MomentsStore
from bot.testing import BotProcess, DiscordServer

SERVERS = 300
DUE = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)


async def test_sigterm_during_fan_out_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    server = DiscordServer()
    guilds = [server.add_guild(f"Ward {n}") for n in range(SERVERS)]
    channels = {g.channel("quiet-moments").id for g in guilds}
    db_path = tmp_path / "steady.sqlite3"
    db = await Database.open(db_path)
    store = MomentsStore(db, load_moments())
    for g in guilds:
        await store.set_config(
            g.id, g.channel("quiet-moments").id, time(9, 0), "UTC", False, DUE - timedelta(hours=1)
        )
    await db.close()

    def posted() -> list[int]:
        return [c for c in channels for m in server.messages.get(c, []) if m.get("embeds")]

    await server.start()
    bot = BotProcess(server, db_path, STEADY_CLOCK_START=(DUE - timedelta(seconds=1)).isoformat())
    try:
        await bot.start()
        await server.wait_for(lambda: len(posted()) >= SERVERS // 4, timeout=30)
        assert len(posted()) < SERVERS, "the fan-out finished before the signal; nothing was tested"
        assert await bot.terminate(timeout=30) == 0, bot.log()[-2000:]
        stopped_at = len(posted())
        with sqlite3.connect(db_path) as conn:
            sent = conn.execute("SELECT COUNT(*) FROM moment_posts WHERE state = 'sent'").fetchone()[0]
        assert sent == stopped_at, "every post that reached Discord before the exit was recorded"

        bot = BotProcess(server, db_path, STEADY_CLOCK_START=(DUE + timedelta(seconds=30)).isoformat())
        await bot.start()
        await server.wait_for(lambda: len(posted()) >= SERVERS, timeout=60)

        async def all_recorded() -> None:
            while True:
                with sqlite3.connect(db_path) as conn:
                    states = dict(conn.execute("SELECT state, COUNT(*) FROM moment_posts GROUP BY state"))
                if states.get("sent") == SERVERS:
                    return
                await asyncio.sleep(0.05)

        await asyncio.wait_for(all_recorded(), 30)
        assert sorted(posted()) == sorted(channels), "exactly one post in every channel"
        assert await bot.terminate(timeout=30) == 0
    finally:
        await bot.ensure_stopped()
        await server.stop()
