"""`steady migrate-to-postgres`: copy the SQLite database into an empty PostgreSQL one, then verify.

A community that grows past one process keeps its history: every table is copied in one PostgreSQL
transaction (all or nothing), generated keys continue after the copied ones, and the row count of every
table is compared afterwards. The SQLite file is only read.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.database import Database, DatabaseError
from bot.postgres import GENERATED_KEYS, PgConnection, PostgresDatabase, describe
from bot.settings import SettingsError, _database_path, _database_url

USAGE = """usage: steady migrate-to-postgres

Copies the SQLite database at DATABASE_PATH (default data/steady.sqlite3) into the empty PostgreSQL
database at DATABASE_URL, then checks the row count of every table. Stop the bot first. Both settings
come from the environment or .env, as for the bot.
"""


@dataclass(frozen=True)
class TableCount:
    table: str
    sqlite: int
    postgres: int


async def copy_database(source: Database, target: PostgresDatabase) -> list[TableCount]:
    """Copy every table (in creation order, so parents come before children); refuse a non-empty target."""
    tables = [
        row["name"]
        for row in await source.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        )
    ]
    for table in tables:
        row = await target.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
        if row is not None and row["n"]:
            raise DatabaseError(
                f"DATABASE_URL {describe(target.url)} already has data (table {table}); "
                "migrate-to-postgres copies only into an empty database"
            )
    async with target.transaction() as conn:
        raw = PgConnection.raw_of(conn)
        for table in tables:
            columns = [c["name"] for c in await source.fetchall(f"PRAGMA table_info({table})")]
            rows = await source.fetchall(f"SELECT {', '.join(columns)} FROM {table}")
            if rows:
                await raw.copy_records_to_table(table, records=[tuple(r) for r in rows], columns=columns)
            key = GENERATED_KEYS.get(table)
            if key is not None:
                await raw.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'), "
                    f"COALESCE((SELECT MAX({key}) FROM {table}), 0) + 1, false)"
                )
    counts = []
    for table in tables:
        before = await source.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
        after = await target.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
        counts.append(TableCount(table, int(before["n"]) if before else 0, int(after["n"]) if after else 0))
    return counts


async def migrate(database_path: Path, database_url: str) -> list[TableCount]:
    if not database_path.is_file():
        raise DatabaseError(f"DATABASE_PATH {database_path}: no SQLite database there to copy")
    source = await Database.open(database_path)
    try:
        target = await PostgresDatabase.open_url(database_url)
        try:
            return await copy_database(source, target)
        finally:
            await target.close()
    finally:
        await source.close()


def main(args: list[str], env: Mapping[str, str] | None = None) -> int:
    if args:
        print(USAGE, end="", file=sys.stdout if args[0] in ("-h", "--help") else sys.stderr)
        return 0 if args[0] in ("-h", "--help") else 2
    if env is None:
        from dotenv import dotenv_values

        env = {**{k: v for k, v in dotenv_values(".env").items() if v is not None}, **os.environ}
    try:
        path = _database_path(env.get("DATABASE_PATH", "").strip())
        url = _database_url(env.get("DATABASE_URL", "").strip())
        if url is None:
            raise SettingsError("DATABASE_URL is not set: give the empty PostgreSQL database to copy into")
        counts = asyncio.run(migrate(path, url))
    except (SettingsError, DatabaseError) as exc:
        print(f"steady: {exc}", file=sys.stderr)
        return 2
    width = max(len(c.table) for c in counts)
    print(f"{'table':<{width}}  {'sqlite':>8}  {'postgres':>8}")
    for c in counts:
        mark = "" if c.sqlite == c.postgres else "  MISMATCH"
        print(f"{c.table:<{width}}  {c.sqlite:>8}  {c.postgres:>8}{mark}")
    if any(c.sqlite != c.postgres for c in counts):
        print("steady: the copy does not match; the PostgreSQL database should be emptied", file=sys.stderr)
        return 1
    total = sum(c.postgres for c in counts)
    rows = "row" if total == 1 else "rows"
    print(f"copied {total} {rows} in {len(counts)} tables to {describe(url)}; counts match.")
    print("Start the bot with DATABASE_URL set.")
    return 0
