"""The bot's SQLite file: WAL, foreign keys, numbered migrations applied on open.

Writes go through one writer connection, one transaction at a time; reads use their own connection, so
they only ever see committed data (never another task's half-done transaction).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
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


_PRAGMAS = ("PRAGMA busy_timeout = 5000", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON")


class Database:
    """Owns the connections; every write goes through ``transaction()`` or ``run_in_transaction()``, on
    disk when it returns. ``fetchone``/``fetchall`` read committed data on a separate connection."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.reader: aiosqlite.Connection | None = None
        # run_in_transaction's connection lives on one thread of its own: one hop per batch.
        self._sync: sqlite3.Connection | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="steady-db")
        # One transaction at a time across the writing connections; concurrent tasks queue here.
        self._write_lock = asyncio.Lock()
        self._read_lock = asyncio.Lock()
        self.closed = False

    @classmethod
    async def open(cls, path: Path, *, migrations_dir: Path = MIGRATIONS_DIR) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            for pragma in _PRAGMAS:
                await conn.execute(pragma)
            await db.migrate(migrations_dir)
            db.reader = await aiosqlite.connect(path, isolation_level=None)
            db.reader.row_factory = aiosqlite.Row
            for pragma in (*_PRAGMAS, "PRAGMA query_only = ON"):
                await db.reader.execute(pragma)
            db._sync = await db._in_thread(_connect_sync, path)
        except BaseException:
            await db.close()
            raise
        return db

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

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
        async with _timed("transaction"), self._write_lock:
            if self.conn.in_transaction:  # left open by a failure we could not clean up: undo it first
                await self._rollback()
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
            except BaseException:
                await _finish(self._rollback())
                raise
            await _finish(self._commit())

    async def _commit(self) -> None:
        """COMMIT, and if it fails (a deferred constraint, a full disk) ROLLBACK, so the connection is
        never left inside a transaction that every later BEGIN would trip over."""
        try:
            await self.conn.execute("COMMIT")
        except BaseException:
            await self._rollback()
            raise

    async def _rollback(self) -> None:
        """Queued after the BEGIN on the database thread, so it undoes even a cancelled BEGIN.
        If the BEGIN itself failed there is nothing to undo."""
        with contextlib.suppress(sqlite3.OperationalError):
            await self.conn.execute("ROLLBACK")

    async def run_in_transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the database's own thread inside BEGIN IMMEDIATE ... COMMIT, in one hop.

        For hot paths under load: a transaction made of awaited statements costs an event-loop round trip
        per statement while holding the write lock. ``work`` must be quick and must not touch the loop.
        """
        assert self._sync is not None, "the database is not open"
        async with _timed("batch"), self._write_lock:
            done: T = await _finish(self._in_thread(_in_transaction, self._sync, work))
            return done

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self.reading() as conn, conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self.reading() as conn, conn.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The read connection, one reader at a time: a statement left open by one task would otherwise
        pin the snapshot for the next, which could then miss a write already acknowledged to someone.
        (The writer serves reads only while opening, before the reader exists.)"""
        if self.reader is None:
            yield self.conn
            return
        async with _timed("read"), self._read_lock:
            yield self.reader

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> None:
        """One statement in its own transaction (durable on return)."""
        async with self.transaction() as conn:
            await conn.execute(sql, tuple(params))

    async def close(self) -> None:
        """Close under the write lock, so a transaction in progress finishes first; safe to call twice."""
        async with self._write_lock:
            if self.closed:
                return
            self.closed = True
            if self.reader is not None:
                async with self._read_lock:
                    await self.reader.close()
            if self._sync is not None:
                await self._in_thread(self._sync.close)
            await self.conn.close()
        self._executor.shutdown(wait=False)


@asynccontextmanager
async def _timed(operation: str) -> AsyncIterator[None]:
    """Database operation latency for the metrics, waiting for the lock included."""
    from bot.metrics import DB_SECONDS

    with DB_SECONDS.labels(operation).time():
        yield


async def _finish(work: Any) -> Any:
    """Await ``work`` to its end even if the caller is cancelled meanwhile (then re-raise the cancel), so
    the write lock is never released while a COMMIT or ROLLBACK is still under way."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.done():
            with contextlib.suppress(BaseException):
                await task
        raise


def _connect_sync(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    for pragma in _PRAGMAS:
        conn.execute(pragma)
    return conn


def _in_transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    if conn.in_transaction:
        conn.execute("ROLLBACK")
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements; migrations keep to plain DDL/DML without triggers."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
