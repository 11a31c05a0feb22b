"""Both storage backends for tests: SQLite in a temporary folder, PostgreSQL in a fresh schema per test.

PostgreSQL is found through STEADY_TEST_POSTGRES_URL; when it cannot be reached its tests are skipped
(one line in the summary says so), unless STEADY_REQUIRE_POSTGRES=1, when they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode, urlparse, urlunparse

import asyncpg
import pytest

from bot.database import Database
from bot.postgres import PostgresDatabase

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgres")
skipped: list[str] = []
_reachable: dict[str, str | None] = {}


def postgres_url() -> str:
    return os.environ.get("STEADY_TEST_POSTGRES_URL", "").strip() or DEFAULT_URL


def required() -> bool:
    return os.environ.get("STEADY_REQUIRE_POSTGRES", "").strip() == "1"


async def _problem(url: str) -> str | None:
    try:
        conn = await asyncpg.connect(url, timeout=3)
    except Exception as exc:
        return " ".join(str(exc).split()) or type(exc).__name__
    await conn.close()
    return None


async def need_postgres(test_name: str = "") -> str:
    """The server's URL, or skip (fail when required) with the reason it cannot be used."""
    url = postgres_url()
    if url not in _reachable:
        _reachable[url] = await _problem(url)
    problem = _reachable[url]
    if problem is not None:
        message = f"PostgreSQL at {urlparse(url).netloc} is not reachable ({problem})"
        if required():
            pytest.fail(f"{message}; STEADY_REQUIRE_POSTGRES=1 asks for it")
        skipped.append(test_name)
        pytest.skip(message)
    return url


def with_search_path(url: str, schema: str) -> str:
    parts = urlparse(url)
    query = "&".join(q for q in (parts.query, urlencode({"search_path": schema})) if q)
    return urlunparse(parts._replace(query=query))


@asynccontextmanager
async def fresh_schema() -> AsyncIterator[str]:
    """A URL whose connections live in a new, empty schema, dropped afterwards."""
    url = await need_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        yield with_search_path(url, schema)
    finally:
        await asyncio.shield(admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        await admin.close()


@asynccontextmanager
async def open_backend(backend: str, folder: Path) -> AsyncIterator[Database]:
    """A migrated, empty database of the given kind, closed afterwards."""
    if backend == "sqlite":
        db = await Database.open(folder / "db.sqlite3")
        try:
            yield db
        finally:
            await db.close()
        return
    async with fresh_schema() as url:
        pg = await PostgresDatabase.open_url(url)
        try:
            yield pg
        finally:
            await pg.close()


async def read_elsewhere(db: Database, sql: str) -> tuple[object, ...] | None:
    """One row read through a brand-new connection: what another process would see now."""
    if isinstance(db, PostgresDatabase):
        conn = await asyncpg.connect(db.url)
        try:
            row = await conn.fetchrow(sql)
        finally:
            await conn.close()
        return None if row is None else tuple(row)
    import sqlite3

    with sqlite3.connect(db.path) as other:
        found = other.execute(sql).fetchone()
    return None if found is None else tuple(found)


async def open_at(location: Path | str) -> Database:
    """Open a database again by where it lives: a SQLite path, or a PostgreSQL URL (another 'process')."""
    if isinstance(location, str):
        return await PostgresDatabase.open_url(location)
    return await Database.open(location)


@asynccontextmanager
async def location(backend: str, folder: Path) -> AsyncIterator[Path | str]:
    """Where a test's database lives, for tests that open it more than once."""
    if backend == "sqlite":
        yield folder / "steady.sqlite3"
        return
    async with fresh_schema() as url:
        yield url
