"""Start-up of the quiet moments runner with 10,000 configured servers and a year of post history.

Builds the database directly (SQLite, the real migrations), then times what a start does: the first
prune of records older than four weeks, and loading every server's plan (the runner's start-up query).
A second start (after the prune) is timed too.

    .venv/bin/python bench/startup.py [--servers 10000] [--days 365]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import FakeClock
from bot.database import Database
from bot.moments.content import load_moments
from bot.moments.runner import MomentsRunner
from bot.moments.schedule import post_nonce
from bot.moments.store import MomentsStore

NOW = datetime(2025, 6, 3, 6, 0, tzinfo=UTC)


def build(path: Path, servers: int, days: int) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executemany(
            "INSERT INTO moments_config (guild_id, channel_id, post_time, timezone, paused, thread,"
            " effective_from, updated_at) VALUES (?, ?, '09:00', 'Europe/London', 0, 0, ?, ?)",
            [
                (g, 10**6 + g, "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00+00:00")
                for g in range(1, servers + 1)
            ],
        )
        for d in range(1, days + 1):
            day = NOW.date() - timedelta(days=d)
            due = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=8)
            conn.executemany(
                "INSERT INTO moment_posts (guild_id, local_date, state, due_at, channel_id, moment_key,"
                " nonce, message_id, attempts, updated_at) VALUES (?, ?, 'sent', ?, ?, 'm1', ?, ?, 1, ?)",
                [
                    (
                        g,
                        day.isoformat(),
                        due.isoformat(),
                        10**6 + g,
                        post_nonce(g, day),
                        d * 10**7 + g,
                        due.isoformat(),
                    )
                    for g in range(1, servers + 1)
                ],
            )


async def start_once(path: Path) -> tuple[float, float, float, int]:
    """Seconds to open the database, until every server is planned, until the runner has also pruned and
    gone to sleep; and how many servers were planned."""
    began = time.perf_counter()
    db = await Database.open(path)
    opened = time.perf_counter() - began
    runner = MomentsRunner(MomentsStore(db, load_moments()), FakeClock(NOW), _never)
    began = time.perf_counter()
    task = asyncio.create_task(runner.run())
    await runner.started.wait()
    planned = time.perf_counter() - began
    probe = asyncio.create_task(_write_probe(db))
    await runner.settled(timeout=600)
    idle = time.perf_counter() - began
    probe.cancel()
    await asyncio.gather(probe, return_exceptions=True)
    size = len(runner._guilds)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await db.close()
    return opened, planned, idle, size


WRITE_WAITS: list[float] = []


async def _write_probe(db: Database) -> None:
    """Another feature writing while the prune runs: how long does one small write wait?"""
    while True:
        began = time.perf_counter()
        await db.execute(
            "INSERT INTO guild_settings (guild_id, region) VALUES (1, 'UK') ON CONFLICT DO NOTHING"
        )
        WRITE_WAITS.append(time.perf_counter() - began)
        await asyncio.sleep(0.05)


async def _never(request: object) -> int:
    raise AssertionError("nothing is due at start-up in this bench")


async def main_async(servers: int, days: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "startup.sqlite3"
        db = await Database.open(path)  # the schema, from the real migrations
        await db.close()
        began = time.perf_counter()
        build(path, servers, days)
        rows = servers * days
        print(
            f"built {servers} servers, {rows} post records ({days} days) "
            f"in {time.perf_counter() - began:.1f} s"
        )
        for label in ("first start (prunes a year to four weeks)", "second start"):
            opened, planned, idle, size = await start_once(path)
            with sqlite3.connect(path) as conn:
                left = conn.execute("SELECT COUNT(*) FROM moment_posts").fetchone()[0]
            print(
                f"{label}: open {opened:.2f} s, {size} servers loaded and planned in {planned:.2f} s, "
                f"pruned and asleep after {idle:.2f} s; {left} post records kept; "
                f"slowest other write meanwhile {max(WRITE_WAITS, default=0) * 1000:.0f} ms"
            )
            WRITE_WAITS.clear()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    asyncio.run(main_async(args.servers, args.days))
    return 0


if __name__ == "__main__":
    sys.exit(main())
