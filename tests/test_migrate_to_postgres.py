"""`steady migrate-to-postgres`: every feature's data survives the move, counts verified per table."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.database import Database, DatabaseError
from bot.faq.store import FaqStore
from bot.guild_settings import GuildSettingsStore
from bot.migrate_pg import main, migrate
from bot.modnotice import ModChannelStore
from bot.moments.content import load_moments
from bot.moments.store import ClaimRequest, MomentsStore
from bot.postgres import PostgresDatabase
from bot.privacy import mark_guild_present, mark_guild_removed
from bot.regions import UserRegionStore
from bot.selfcheck.content import load_selfcheck
from bot.selfcheck.store import SelfCheckStore, flush_writes
from tests.backends import fresh_schema

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
BIG = 1_234_567_890_123_456_789  # Discord ids need 64 bits


async def _fill(db: Database) -> None:
    """Some of every feature's data, written through the features' own stores."""
    moments = MomentsStore(db, load_moments())
    await moments.set_config(BIG, BIG + 1, time(9), "Europe/London", True, NOW)
    sub = await moments.add_submission(BIG, BIG + 2, "A shared moment of calm after a long shift.", NOW)
    await moments.decide(BIG, sub.id, True, BIG + 3, NOW)
    await moments.add_submission(BIG, BIG + 2, "Another one, still waiting for review.", NOW, care=True)
    [record] = await moments.claim_many([ClaimRequest(BIG, date(2026, 5, 4), NOW, BIG + 1, "n1")], NOW)
    await moments.mark_sent(BIG, record.local_date, BIG + 9, NOW)
    faq = FaqStore(db, FakeClock(NOW))
    await faq.load()
    await faq.save(BIG, "Where do we park for night shift?", "Lot C, behind the east entrance.")
    await GuildSettingsStore(db).set_region(BIG, "IE")
    await UserRegionStore(db).set(BIG + 2, "UK", NOW)
    await ModChannelStore(db).set(BIG, BIG + 4, NOW)
    await mark_guild_present(db, [BIG, 77], NOW)
    await mark_guild_removed(db, 77, NOW)
    selfcheck = SelfCheckStore(db, load_selfcheck(), FakeClock(NOW))
    finished = await selfcheck.begin(BIG + 5)
    assert finished.state is not None
    content = load_selfcheck()
    for q in range(content.total):
        await selfcheck.answer(BIG + 5, finished.state.run_id, q, q % 4)
    started = await selfcheck.begin(BIG + 6)
    assert started.state is not None
    await selfcheck.answer(BIG + 6, started.state.run_id, 0, 3)
    await flush_writes(db)


async def _tables(db: Database) -> dict[str, list[tuple[object, ...]]]:
    query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    names = [r["name"] for r in await db.fetchall(query)]
    return {n: sorted(tuple(r) for r in await db.fetchall(f"SELECT * FROM {n}")) for n in names}


async def test_round_trip_keeps_every_row_and_new_keys_continue(tmp_path: Path) -> None:
    path = tmp_path / "steady.sqlite3"
    source = await Database.open(path)
    await _fill(source)
    expected = await _tables(source)
    await source.close()
    assert all(
        expected[t] for t in ("moment_posts", "selfcheck_results", "selfcheck_answers", "mod_channels")
    )
    async with fresh_schema() as url:
        counts = await migrate(path, url)
        assert {c.table for c in counts} == set(expected)
        assert all(c.sqlite == c.postgres == len(expected[c.table]) for c in counts)
        target = await PostgresDatabase.open_url(url)
        try:
            for table, rows in expected.items():
                got = sorted(tuple(r) for r in await target.fetchall(f"SELECT * FROM {table}"))
                assert got == rows, table
            moments = MomentsStore(target, load_moments())
            newest = await moments.add_submission(BIG, 5, "Written after the move to PostgreSQL.", NOW)
            assert newest.id > max(r[0] for r in expected["moment_submissions"])
            assert await GuildSettingsStore(target).region(BIG) == "IE"
        finally:
            await target.close()
        with pytest.raises(DatabaseError, match="already has data"):
            await migrate(path, url)


async def test_command_refuses_without_database_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([], {"DATABASE_PATH": str(tmp_path / "none.sqlite3")})
    assert code == 2 and "DATABASE_URL" in capsys.readouterr().err
