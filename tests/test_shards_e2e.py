"""The local Discord shards as Discord does, and two sharded bots on one PostgreSQL answer everywhere."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.testing import DiscordServer, start_bot
from tests.backends import fresh_schema


async def test_gateway_bot_recommends_a_shard_count() -> None:
    server = DiscordServer()
    server.shard_count = 3
    await server.start()
    try:
        headers = {"Authorization": f"Bot {server.app.token}"}
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{server.api_base}/gateway/bot", headers=headers) as response,
        ):
            body = await response.json()
        assert response.status == 200 and body["shards"] == 3 and body["url"] == server.gateway_url
    finally:
        await server.stop()


async def test_two_sharded_bots_answer_every_server_on_its_own_shard(tmp_path: Path) -> None:
    server = DiscordServer()
    guilds = [server.add_guild(f"Unit {n}", shard=(n % 4, 4)) for n in range(8)]
    await server.start()
    running = []
    try:
        async with fresh_schema() as url:
            for ids in ((0, 1), (2, 3)):
                running.append(
                    await start_bot(
                        server, tmp_path / "unused.sqlite3", database_url=url, shard_count=4, shard_ids=ids
                    )
                )
            assert sorted(server.identified_shards) == [(0, 4), (1, 4), (2, 4), (3, 4)]
            first, second = (r.bot for r in running)
            for guild in guilds:
                owner = first if (guild.id >> 22) % 4 in (0, 1) else second
                other = second if owner is first else first
                assert owner.get_guild(guild.id) is not None and other.get_guild(guild.id) is None
                result = await server.slash("quietmoment", user=server.member, guild=guild)
                answer = await result.final()
                assert answer.get("content") or answer.get("embeds"), answer
            dm = await server.slash("faq", user=server.member)  # DMs arrive on shard 0
            assert await dm.final()
            for r in running:
                await r.stop()
            running.clear()
    finally:
        for r in running:
            await r.stop()
        await server.stop()
    assert not server.violations, server.violations
