"""Scale-out fan-out: many bot processes sharing PostgreSQL, every server due in the same minute.

Starts N real bot processes (``python -m bot``, configured only through the environment) with
SHARD_COUNT shards split between them and one DATABASE_URL, against the local Discord server, which
answers 429 past Discord's global 50 requests/s for the whole bot. Every server is due at the same
instant; it checks each gets exactly one post, and reports the aggregate rate and the 429s. Then the same
figure for one process on SQLite.

    .venv/bin/python bench/scale.py [--servers 20000] [--processes 3] [--shards 6]
        [--skip-sqlite] [--skip-postgres]

PostgreSQL is found through STEADY_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test);
the run uses a schema of its own and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bot.clock import SystemClock
from bot.database import Database
from bot.moments.content import load_moments
from bot.moments.store import MomentsStore
from bot.postgres import PostgresDatabase
from bot.testing import BotProcess, DiscordServer

GLOBAL_LIMIT = 50
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Figures:
    label: str
    servers: int
    seconds: float
    requests: int
    limited: int
    exactly_once: bool

    @property
    def rate(self) -> float:
        return self.servers / self.seconds

    def ok(self) -> bool:
        return self.exactly_once and self.rate >= 0.9 * GLOBAL_LIMIT and self.limited <= 0.01 * self.requests

    def lines(self) -> list[str]:
        return [
            f"{self.label}: {self.servers} servers due at the same instant, global limit {GLOBAL_LIMIT}/s",
            f"  total time      {self.seconds:8.1f} s (due instant to last post)",
            f"  aggregate rate  {self.rate:8.2f} posts/s = {self.rate / GLOBAL_LIMIT:.1%} "
            f"of {GLOBAL_LIMIT}/s (target >= 90%)",
            f"  429s            {self.limited:8d} of {self.requests} requests = "
            f"{self.limited / max(1, self.requests):.2%} (target <= 1%)",
            f"  exactly once    {'yes, every server one post' if self.exactly_once else 'NO'}",
        ]


async def configure(db: Database, server: DiscordServer, due: datetime, configured_at: datetime) -> None:
    store = MomentsStore(db, load_moments())
    for guild in server.guilds.values():
        channel = guild.channel("quiet-moments").id
        await store.set_config(
            guild.id, channel, clock_time(due.hour, due.minute), "UTC", False, configured_at
        )


async def run(
    label: str, servers: int, shard_plan: list[str] | None, shard_count: int, url: str | None, workdir: Path
) -> Figures:
    server = DiscordServer()
    for n in range(servers):
        server.add_guild(f"Server {n}", channels=("quiet-moments",), shard=(n % shard_count, shard_count))
    server.global_rate_limit = GLOBAL_LIMIT
    await server.start()
    processes: list[BotProcess] = []
    try:
        now = SystemClock().now()
        lead = timedelta(seconds=45 + servers / 400)  # time to start every process before the due minute
        due = (now + lead + timedelta(minutes=1)).replace(second=0, microsecond=0)
        configured_at = now - timedelta(hours=1)
        db_path = workdir / f"{label.replace(' ', '-')}.sqlite3"
        db: Database = await PostgresDatabase.open_url(url) if url else await Database.open(db_path)
        try:
            await configure(db, server, due, configured_at)
        finally:
            await db.close()
        offset = due - lead - SystemClock().now()
        started_at = time.monotonic()
        for index, ids in enumerate(shard_plan or [""]):
            env = {"LOG_LEVEL": "WARNING"}
            if url:
                env["DATABASE_URL"] = url
            if ids:
                env.update(SHARD_COUNT=str(shard_count), SHARD_IDS=ids)
            log_path = workdir / f"{label.replace(' ', '-').replace(',', '')}-{index}.sqlite3"
            proc = BotProcess(server, db_path if not url else log_path, clock_offset=offset, **env)
            processes.append(proc)
            await proc.start(timeout=120)
        due_wall = started_at + lead.total_seconds()
        if time.monotonic() > due_wall:
            print(f"  (start-up took longer than the lead of {lead.total_seconds():.0f} s)")
        first_request = len(server.requests)
        limited_before = server.rate_limited
        channels = [g.channel("quiet-moments").id for g in server.guilds.values()]

        def posted() -> int:
            return sum(1 for c in channels if server.messages.get(c))

        await server.wait_for(lambda: posted() == servers, timeout=servers / 20 + 300)
        elapsed = time.monotonic() - max(due_wall, started_at)
        await asyncio.sleep(3)  # room for a duplicate to show up, were there one
        during = len(server.requests) - first_request
        exactly_once = all(len(server.messages.get(c, [])) == 1 for c in channels)
        return Figures(label, servers, elapsed, during, server.rate_limited - limited_before, exactly_once)
    finally:
        for proc in processes:
            await proc.ensure_stopped()
        await server.stop()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=20_000)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--shards", type=int, default=6)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("STEADY_TEST_POSTGRES_URL", "").strip() or DEFAULT_URL
    per = args.shards // args.processes
    plan = [",".join(str(s) for s in range(p * per, (p + 1) * per)) for p in range(args.processes)]
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(url)
    await admin.execute(f"CREATE SCHEMA {schema}")
    results: list[Figures] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if not args.skip_postgres:
                label = f"PostgreSQL, {args.processes} processes, SHARD_COUNT={args.shards}"
                scoped = f"{url}{'&' if '?' in url else '?'}search_path={schema}"
                results.append(await run(label, args.servers, plan, args.shards, scoped, Path(tmp)))
                print("\n".join(results[-1].lines()), flush=True)
            if not args.skip_sqlite:
                results.append(await run("SQLite, 1 process", args.servers, None, 1, None, Path(tmp)))
                print("\n".join(results[-1].lines()), flush=True)
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()
    return 0 if all(r.ok() for r in results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
