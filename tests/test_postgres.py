"""The PostgreSQL backend keeps the Database guarantees: migrations once, rollback, committed reads,
atomic claims across processes. (The feature stores' own tests run on both backends too.)"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.database import DatabaseError, migrations
from bot.postgres import PG_MIGRATIONS_DIR, PostgresDatabase, translate
from tests.backends import fresh_schema


def test_translate_placeholders_and_generated_keys() -> None:
    sql, rows = translate("SELECT * FROM t WHERE a = ? AND b = '?' AND c = ?")
    assert sql == "SELECT * FROM t WHERE a = $1 AND b = '?' AND c = $2" and rows
    sql, rows = translate("DELETE FROM moment_posts WHERE local_date < ?")
    assert sql == "DELETE FROM moment_posts WHERE local_date < $1" and not rows
    sql, rows = translate("INSERT INTO moment_submissions (guild_id) VALUES (?)")
    assert sql.endswith("RETURNING id") and rows


def test_both_backends_have_the_same_migration_numbers() -> None:
    sqlite_steps = [(n, p.name) for n, p in migrations()]
    postgres_steps = [(n, p.name) for n, p in migrations(PG_MIGRATIONS_DIR)]
    assert sqlite_steps == postgres_steps


async def test_migrations_apply_once_and_a_newer_schema_is_refused() -> None:
    async with fresh_schema() as url:
        first, second = await asyncio.gather(PostgresDatabase.open_url(url), PostgresDatabase.open_url(url))
        try:
            assert await first.user_version() == migrations()[-1][0]
            await first.execute("INSERT INTO guild_settings (guild_id, region) VALUES (?, 'UK')", (2**62,))
        finally:
            await first.close()
            await second.close()
        again = await PostgresDatabase.open_url(url)
        row = await again.fetchone("SELECT guild_id, region FROM guild_settings")
        assert row is not None and (row["guild_id"], row["region"]) == (2**62, "UK")
        await again.execute("INSERT INTO steady_schema (version) VALUES (999)")
        await again.close()
        with pytest.raises(DatabaseError, match="newer"):
            await PostgresDatabase.open_url(url)


async def test_rollback_and_committed_reads_only() -> None:
    async with fresh_schema() as url:
        db = await PostgresDatabase.open_url(url)
        try:
            with pytest.raises(RuntimeError):
                async with db.transaction() as conn:
                    await conn.execute("INSERT INTO user_regions VALUES (?, 'UK', 'now')", (1,))
                    raise RuntimeError("boom")
            assert await db.fetchone("SELECT * FROM user_regions") is None
            entered, release = asyncio.Event(), asyncio.Event()

            async def writer() -> None:
                async with db.transaction() as conn:
                    await conn.execute("INSERT INTO user_regions VALUES (?, 'IE', 'now')", (2,))
                    entered.set()
                    await release.wait()

            task = asyncio.create_task(writer())
            await entered.wait()
            assert await db.fetchone("SELECT * FROM user_regions") is None, "uncommitted write seen"
            release.set()
            await task
            assert await db.fetchone("SELECT region FROM user_regions WHERE user_id = ?", (2,)) is not None
            with pytest.raises(sqlite3.IntegrityError):
                await db.execute("INSERT INTO user_regions VALUES (?, 'IE', 'now')", (2,))
            task = asyncio.create_task(writer())
            await entered.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await db.execute("INSERT INTO user_regions VALUES (?, 'NZ', 'now')", (3,))
            assert len(await db.fetchall("SELECT * FROM user_regions")) == 2
        finally:
            await db.close()


async def test_claims_are_atomic_across_processes() -> None:
    """Two 'processes' claim the same 50 (server, date) pairs at once: each is claimed exactly once."""
    async with fresh_schema() as url:
        dbs = [await PostgresDatabase.open_url(url) for _ in range(2)]
        won: list[list[int]] = [[], []]

        async def claim(which: int) -> None:
            for guild in range(50):
                async with dbs[which].transaction() as conn:
                    cur = await conn.execute(
                        "INSERT INTO moment_posts (guild_id, local_date, state, due_at, updated_at) "
                        "VALUES (?, '2026-01-01', 'claimed', 'x', 'x') ON CONFLICT DO NOTHING",
                        (guild,),
                    )
                    if cur.rowcount == 1:
                        won[which].append(guild)

        try:
            await asyncio.gather(claim(0), claim(1))
        finally:
            for db in dbs:
                await db.close()
        assert sorted(won[0] + won[1]) == list(range(50))


async def test_unreachable_server_is_one_line_naming_the_setting() -> None:
    with pytest.raises(
        DatabaseError, match=r"^DATABASE_URL: cannot reach the PostgreSQL server at 127\.0\.0\.1:9"
    ):
        await PostgresDatabase.open_url("postgresql://u:secret@127.0.0.1:9/x")
