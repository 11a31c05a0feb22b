"""The bot's one SQLite connection: WAL, foreign keys, numbered migrations applied on open."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseError(Exception):
    """The database cannot be used as it is (too new for this code, or unreadable)."""


def migrations(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """The migration files in order; numbers must run 1, 2, 3... without gaps."""
    found = sorted(
        (int(m.group(1)), p) for p in directory.glob("*.sql") if (m := _MIGRATION_NAME.match(p.name))
    )
    for expected, (number, path) in enumerate(found, start=1):
        if number != expected:
            raise DatabaseError(f"migration {path.name} is out of sequence (expected {expected:04d})")
    return found


class Database:
    """Owns the aiosqlite connection; every write goes through ``transaction()``, on disk when it returns."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        # One connection holds one transaction at a time; concurrent tasks queue here instead of failing.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, migrations_dir: Path = MIGRATIONS_DIR) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await conn.execute("PRAGMA busy_timeout = 5000")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = FULL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await db.migrate(migrations_dir)
        except BaseException:
            await conn.close()
            raise
        return db

    async def migrate(self, migrations_dir: Path = MIGRATIONS_DIR) -> int:
        """Apply each pending migration in its own transaction; refuse a database newer than the code."""
        steps = migrations(migrations_dir)
        latest = steps[-1][0] if steps else 0
        current = await self.user_version()
        if current > latest:
            raise DatabaseError(
                f"the database at DATABASE_PATH is at schema version {current}, newer than this code "
                f"understands ({latest}); run a newer Steady or restore a backup"
            )
        for number, path in steps:
            if number <= current:
                continue
            script = path.read_text(encoding="utf-8")
            async with self.transaction():
                for statement in _split_sql(script):
                    await self.conn.execute(statement)
                await self.conn.execute(f"PRAGMA user_version = {number}")
        return latest

    async def user_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; rolled back on any error. Writers are serialised by SQLite and,
        on this shared connection, by a lock (not re-entrant: never nest transactions)."""
        async with self._write_lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
            except BaseException:
                await asyncio.shield(self._rollback())
                raise
            await asyncio.shield(self.conn.execute("COMMIT"))

    async def _rollback(self) -> None:
        """Queued after the BEGIN on the database thread, so it undoes even a cancelled BEGIN.
        If the BEGIN itself failed there is nothing to undo."""
        with contextlib.suppress(sqlite3.OperationalError):
            await self.conn.execute("ROLLBACK")

    async def run_in_transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the database thread inside BEGIN IMMEDIATE ... COMMIT, in one hop.

        For hot paths under load: a transaction made of awaited statements costs an event-loop round trip
        per statement while holding the write lock. ``work`` must be quick and must not touch the loop.
        """
        async with self._write_lock:
            # aiosqlite has no public way to run a function on its thread; _execute is that way.
            return await self.conn._execute(_in_transaction, self.conn._conn, work)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> None:
        """One statement in its own transaction (durable on return)."""
        async with self.transaction() as conn:
            await conn.execute(sql, tuple(params))

    async def close(self) -> None:
        await self.conn.close()


def _in_transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements; migrations keep to plain DDL/DML without triggers."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
