"""PostgreSQL behind the same small interface as the SQLite ``Database``, for several processes.

The stores write plain SQL with ``?`` placeholders and use ``transaction()``, ``run_in_transaction()``,
``fetchone``/``fetchall`` and ``reading()``; this module translates that SQL and wraps asyncpg so the
features never know which backend they run on. Every write transaction takes one advisory lock, so
writers are serialised across all processes exactly as SQLite's BEGIN IMMEDIATE serialises them.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, cast
from urllib.parse import urlparse

import aiosqlite
import asyncpg

from bot.database import (
    MIGRATIONS_DIR,
    Database,
    DatabaseError,
    _finish,
    _split_sql,
    _timed,
    migrations,
)

T = TypeVar("T")
PG_MIGRATIONS_DIR = MIGRATIONS_DIR / "postgres"
WRITE_LOCK_KEY = 0x57EAD1  # pg_advisory_xact_lock key: one writer at a time across every process
# Tables whose key is generated: an INSERT into them returns the key, which the stores read as lastrowid.
GENERATED_KEYS = {
    "faq_server_entries": "id",
    "moment_submissions": "id",
    "selfcheck_runs": "run_id",
    "selfcheck_results": "result_id",
}
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)
_RETURNS_ROWS = re.compile(r"^\s*(SELECT|WITH|VALUES)\b|\bRETURNING\b", re.IGNORECASE)
_translated: dict[str, tuple[str, bool]] = {}


def translate(sql: str) -> tuple[str, bool]:
    """SQLite-flavoured SQL as the stores write it -> (PostgreSQL SQL, whether it returns rows).

    ``?`` becomes ``$1, $2...`` (outside string literals), and an INSERT into a table with a generated
    key returns that key."""
    cached = _translated.get(sql)
    if cached is not None:
        return cached
    out: list[str] = []
    number = 0
    for index, part in enumerate(re.split(r"('(?:[^']|'')*')", sql)):
        if index % 2:  # a string literal
            out.append(part)
            continue
        pieces = part.split("?")
        text = pieces[0]
        for piece in pieces[1:]:
            number += 1
            text += f"${number}{piece}"
        out.append(text)
    result = "".join(out)
    insert = _INSERT_INTO.match(result)
    if insert and insert.group(1) in GENERATED_KEYS and not re.search(r"\bRETURNING\b", result, re.I):
        result = f"{result.rstrip().rstrip(';')} RETURNING {GENERATED_KEYS[insert.group(1)]}"
    translated = (result, bool(_RETURNS_ROWS.search(result)))
    _translated[sql] = translated
    return translated


def _rowcount(status: str) -> int:
    """'UPDATE 3' -> 3; 'INSERT 0 1' -> 1; a status without a count -> -1 (as sqlite3 says)."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class PgCursor:
    """What a statement left behind, shaped like the sqlite3/aiosqlite cursor the stores read."""

    def __init__(self, rows: list[asyncpg.Record], rowcount: int, lastrowid: int | None) -> None:
        self._rows = rows
        self._next = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def _one(self) -> asyncpg.Record | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def _rest(self) -> list[asyncpg.Record]:
        rest, self._next = self._rows[self._next :], len(self._rows)
        return rest


async def _run(conn: asyncpg.Connection, sql: str, params: Iterable[Any]) -> PgCursor:
    """One statement; a broken constraint raises sqlite3.IntegrityError, as on SQLite."""
    try:
        return await _run_statement(conn, sql, tuple(params))
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise sqlite3.IntegrityError(str(exc)) from exc


async def _run_statement(conn: asyncpg.Connection, sql: str, args: tuple[Any, ...]) -> PgCursor:
    query, returns_rows = translate(sql)
    if not returns_rows:
        return PgCursor([], _rowcount(await conn.execute(query, *args)), None)
    rows = list(await conn.fetch(query, *args))
    lastrowid = None
    insert = _INSERT_INTO.match(query)
    if insert and insert.group(1) in GENERATED_KEYS and len(rows) == 1:
        lastrowid = int(rows[0][0])
    return PgCursor(rows, len(rows), lastrowid)


class AsyncPgCursor:
    """The awaited cursor: ``await cur.fetchone()``, ``await cur.fetchall()``, ``async for row in cur``."""

    def __init__(self, cursor: PgCursor) -> None:
        self._cursor = cursor
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid

    async def fetchone(self) -> asyncpg.Record | None:
        return self._cursor._one()

    async def fetchall(self) -> list[asyncpg.Record]:
        return self._cursor._rest()

    def __aiter__(self) -> AsyncIterator[asyncpg.Record]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[asyncpg.Record]:
        for row in self._cursor._rest():
            yield row


class _Statement:
    """``conn.execute(...)`` is both awaitable and an async context manager, as in aiosqlite."""

    def __init__(self, conn: asyncpg.Connection, sql: str, params: Iterable[Any]) -> None:
        self._work = _run(conn, sql, params)

    def __await__(self) -> Any:
        return self._done().__await__()

    async def _done(self) -> AsyncPgCursor:
        return AsyncPgCursor(await self._work)

    async def __aenter__(self) -> AsyncPgCursor:
        return await self._done()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class PgConnection:
    """The async connection the stores get from ``transaction()`` and ``reading()``."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.raw = conn

    @staticmethod
    def raw_of(conn: object) -> asyncpg.Connection:
        """The asyncpg connection behind what ``transaction()`` yielded (for bulk copies)."""
        assert isinstance(conn, PgConnection), "not a PostgreSQL connection"
        return conn.raw

    def execute(self, sql: str, params: Iterable[Any] = ()) -> _Statement:
        return _Statement(self.raw, sql, params)

    async def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> None:
        query, _ = translate(sql)
        await self.raw.executemany(query, [tuple(p) for p in seq])


class SyncPgCursor:
    """The cursor ``run_in_transaction`` work sees, shaped like sqlite3's."""

    def __init__(self, cursor: PgCursor) -> None:
        self._cursor = cursor
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid

    def fetchone(self) -> asyncpg.Record | None:
        return self._cursor._one()

    def fetchall(self) -> list[asyncpg.Record]:
        return self._cursor._rest()

    def __iter__(self) -> Iterator[asyncpg.Record]:
        return iter(self._cursor._rest())


class SyncPgConnection:
    """For ``run_in_transaction``: the work runs on a worker thread and each statement hops to the loop."""

    def __init__(self, conn: asyncpg.Connection, loop: asyncio.AbstractEventLoop) -> None:
        self.raw = conn
        self.loop = loop

    def execute(self, sql: str, params: Iterable[Any] = ()) -> SyncPgCursor:
        future = asyncio.run_coroutine_threadsafe(_run(self.raw, sql, params), self.loop)
        return SyncPgCursor(future.result())


class PostgresDatabase(Database):
    """``Database`` on PostgreSQL: one writer connection (under a process lock and the advisory lock)
    and one reader connection, both autocommit outside explicit transactions."""

    def __init__(self, writer: asyncpg.Connection, url: str) -> None:
        self.url = url
        self.path = Path()
        self.writer = writer
        self.pg_reader: asyncpg.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._read_lock = asyncio.Lock()
        self.closed = False

    @classmethod
    async def open_url(cls, url: str, *, migrations_dir: Path = PG_MIGRATIONS_DIR) -> PostgresDatabase:
        writer = await connect(url)
        db = cls(writer, url)
        try:
            await db.migrate(migrations_dir)
            db.pg_reader = await connect(url)
        except BaseException:
            await db.close()
            raise
        return db

    async def migrate(self, migrations_dir: Path = PG_MIGRATIONS_DIR) -> int:
        """Each pending migration in its own transaction, under the advisory lock, so two processes
        starting together apply each one once."""
        steps = migrations(migrations_dir)
        latest = steps[-1][0] if steps else 0
        async with self.transaction():  # under the advisory lock: two processes may start together
            await self.writer.execute("CREATE TABLE IF NOT EXISTS steady_schema (version INTEGER NOT NULL)")
        for number, path in steps:
            async with self.transaction():
                current = await self.user_version()
                if current > latest:
                    raise DatabaseError(
                        f"the database at DATABASE_URL is at schema version {current}, newer than this code "
                        f"understands ({latest}); run a newer Steady or restore a backup"
                    )
                if number <= current:
                    continue
                for statement in _split_sql(path.read_text(encoding="utf-8")):
                    await self.writer.execute(statement)
                await self.writer.execute("DELETE FROM steady_schema")
                await self.writer.execute("INSERT INTO steady_schema (version) VALUES ($1)", number)
        current = await self.user_version()
        if current > latest:
            raise DatabaseError(
                f"the database at DATABASE_URL is at schema version {current}, newer than this code "
                f"understands ({latest}); run a newer Steady or restore a backup"
            )
        return latest

    async def user_version(self) -> int:
        value = await self.writer.fetchval("SELECT MAX(version) FROM steady_schema")
        return int(value or 0)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN; take the global write lock; ... COMMIT (durable when it returns); rolled back on error."""
        async with _timed("transaction"), self._write_lock:
            await self._reset()
            try:
                await self.writer.execute("BEGIN")
                await self.writer.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK_KEY)
                yield cast(aiosqlite.Connection, PgConnection(self.writer))
            except BaseException:
                await _finish(self._rollback())
                raise
            await _finish(self._commit())

    async def _reset(self) -> None:
        if self.writer.is_in_transaction():
            await self._rollback()

    async def _commit(self) -> None:
        try:
            await self.writer.execute("COMMIT")
        except BaseException:
            await self._rollback()
            raise

    async def _rollback(self) -> None:
        if not self.writer.is_closed() and self.writer.is_in_transaction():
            await self.writer.execute("ROLLBACK")

    async def run_in_transaction(self, work: Callable[[Any], T]) -> T:
        """``work`` runs on a worker thread inside one transaction; its statements hop to this loop."""
        loop = asyncio.get_running_loop()
        async with self.transaction():
            sync = SyncPgConnection(self.writer, loop)
            return await loop.run_in_executor(None, work, sync)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The read connection (autocommit: each statement sees everything committed), one task at a time."""
        if self.pg_reader is None:
            yield cast(aiosqlite.Connection, PgConnection(self.writer))
            return
        async with _timed("read"), self._read_lock:
            yield cast(aiosqlite.Connection, PgConnection(self.pg_reader))

    async def close(self) -> None:
        async with self._write_lock:
            if self.closed:
                return
            self.closed = True
            if self.pg_reader is not None:
                async with self._read_lock:
                    await self.pg_reader.close()
            await self.writer.close()


def describe(url: str) -> str:
    """host:port/database of a URL, never its password."""
    parsed = urlparse(url)
    return f"{parsed.hostname or 'localhost'}:{parsed.port or 5432}{parsed.path or ''}"


async def connect(url: str) -> asyncpg.Connection:
    """One connection, or a one-line DatabaseError naming DATABASE_URL (never a retry loop)."""
    try:
        return await asyncpg.connect(url, timeout=10)
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DatabaseError(
            f"DATABASE_URL: cannot reach the PostgreSQL server at {describe(url)} ({reason})"
        ) from None


async def check_reachable(url: str) -> None:
    """Connect once and let go: start-up's early, one-line check of DATABASE_URL."""
    conn = await connect(url)
    await conn.close()


async def open_database(database_url: str | None, database_path: Path) -> Database:
    """The backend the settings choose: PostgreSQL for a DATABASE_URL, else the SQLite file."""
    if database_url:
        return await PostgresDatabase.open_url(database_url)
    return await Database.open(database_path)
