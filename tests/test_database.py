"""Migrations run in order, once, each in a transaction; a database from the future is refused."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest

from bot.database import Database, DatabaseError, migrations


async def test_open_applies_all_migrations_in_wal(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "s.sqlite3")
    try:
        assert await db.user_version() == migrations()[-1][0]
        row = await db.fetchone("PRAGMA journal_mode")
        assert row is not None and row[0] == "wal"
        row = await db.fetchone("PRAGMA foreign_keys")
        assert row is not None and row[0] == 1
    finally:
        await db.close()


async def test_reopen_is_idempotent_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    db = await Database.open(path)
    await db.execute("INSERT INTO guild_settings (guild_id, region) VALUES (1, 'UK')")
    await db.close()
    db = await Database.open(path)
    try:
        row = await db.fetchone("SELECT region FROM guild_settings WHERE guild_id = 1")
        assert row is not None and row["region"] == "UK"
    finally:
        await db.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(DatabaseError, match="newer than this code"):
        await Database.open(path)


async def test_failed_migration_rolls_back_whole_step(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_ok.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "0002_bad.sql").write_text("CREATE TABLE b (x INTEGER);\nINSERT INTO missing VALUES (1);")
    with pytest.raises(sqlite3.OperationalError):
        await Database.open(tmp_path / "s.sqlite3", migrations_dir=folder)
    with sqlite3.connect(tmp_path / "s.sqlite3") as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "a" in tables and "b" not in tables


def test_migration_numbers_have_no_gaps(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("")
    (tmp_path / "0003_c.sql").write_text("")
    with pytest.raises(DatabaseError, match="out of sequence"):
        migrations(tmp_path)
    assert [n for n, _ in migrations()] == list(range(1, len(migrations()) + 1))


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "s.sqlite3")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO guild_settings (guild_id) VALUES (7)")
                raise RuntimeError("boom")
        assert await db.fetchone("SELECT 1 FROM guild_settings WHERE guild_id = 7") is None
    finally:
        await db.close()


async def test_cancelled_transaction_leaves_the_connection_usable(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "s.sqlite3")
    try:
        for _ in range(20):
            task = asyncio.create_task(db.execute("INSERT INTO guild_settings (guild_id) VALUES (NULL)"))
            await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await db.execute("INSERT INTO guild_settings (guild_id, region) VALUES (99, 'NZ')")
        row = await db.fetchone("SELECT region FROM guild_settings WHERE guild_id = 99")
        assert row is not None and row["region"] == "NZ"
    finally:
        await db.close()


async def test_reads_never_see_another_tasks_uncommitted_writes(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "s.sqlite3")
    try:
        inside = asyncio.Event()
        release = asyncio.Event()

        async def writer() -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO guild_settings (guild_id, region) VALUES (5, 'UK')")
                inside.set()
                await release.wait()
                raise RuntimeError("changed its mind")

        task = asyncio.create_task(writer())
        await inside.wait()
        assert await db.fetchone("SELECT 1 FROM guild_settings WHERE guild_id = 5") is None, "dirty read"
        assert await db.fetchall("SELECT * FROM guild_settings") == []
        release.set()
        with pytest.raises(RuntimeError):
            await task
        assert await db.fetchone("SELECT 1 FROM guild_settings WHERE guild_id = 5") is None
        await db.execute("INSERT INTO guild_settings (guild_id, region) VALUES (6, 'IE')")
        row = await db.fetchone("SELECT region FROM guild_settings WHERE guild_id = 6")
        assert row is not None and row["region"] == "IE", "committed writes are visible at once"
    finally:
        await db.close()


def _violate_deferred_key(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA defer_foreign_keys = ON")
    conn.execute("INSERT INTO child (parent_id) VALUES (42)")


async def test_failed_commit_rolls_back_and_the_connection_keeps_working(tmp_path: Path) -> None:
    """A COMMIT refused by a deferred foreign key leaves SQLite inside the transaction; it must not wedge."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_tables.sql").write_text(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));"
    )
    db = await Database.open(tmp_path / "s.sqlite3", migrations_dir=folder)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as conn:
                await conn.execute("PRAGMA defer_foreign_keys = ON")
                await conn.execute("INSERT INTO child (parent_id) VALUES (42)")
        await db.execute("INSERT INTO parent (id) VALUES (1)")
        with pytest.raises(sqlite3.IntegrityError):
            await db.run_in_transaction(_violate_deferred_key)
        await db.run_in_transaction(lambda c: c.execute("INSERT INTO child (parent_id) VALUES (1)"))
        assert [tuple(r) for r in await db.fetchall("SELECT id FROM parent")] == [(1,)]
        assert [tuple(r) for r in await db.fetchall("SELECT parent_id FROM child")] == [(1,)]
    finally:
        await db.close()
    with sqlite3.connect(tmp_path / "s.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM child").fetchone() == (1,)


async def test_a_read_after_a_commit_sees_it_even_while_another_read_is_open(tmp_path: Path) -> None:
    """An open statement pins its connection's snapshot; reads must not share one across a commit."""
    db = await Database.open(tmp_path / "s.sqlite3")
    try:
        for n in range(3):
            await db.execute("INSERT INTO guild_settings (guild_id, region) VALUES (?, 'UK')", (n,))
        inside = asyncio.Event()
        release = asyncio.Event()

        async def slow_reader() -> None:
            async with db.reading() as conn, conn.execute("SELECT guild_id FROM guild_settings") as cur:
                await cur.fetchone()
                inside.set()
                await release.wait()

        task = asyncio.create_task(slow_reader())
        await inside.wait()
        await db.execute("INSERT INTO guild_settings (guild_id, region) VALUES (99, 'NZ')")
        release.set()
        row = await db.fetchone("SELECT region FROM guild_settings WHERE guild_id = 99")
        assert row is not None and row["region"] == "NZ"
        await task
    finally:
        await db.close()
