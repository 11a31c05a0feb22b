"""Shard ownership, each process's share of the global rate, and one process per SQLite file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.client import ShardedSteadyBot, SteadyBot, bot_class, sharding
from bot.database import DatabaseError
from bot.settings import Settings
from bot.shards import ShardPlan, SingleProcessLock, shard_of
from bot.testing import BotProcess, DiscordServer

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345"


def test_each_server_has_exactly_one_owner_among_the_processes() -> None:
    plans = [ShardPlan(4, (0, 1)), ShardPlan(4, (2, 3))]
    owners = [p.owner() for p in plans]
    assert all(o is not None for o in owners)
    for guild_id in [(n << 22) + 17 for n in range(200)]:
        assert sum(1 for o in owners if o is not None and o(guild_id)) == 1
        assert shard_of(guild_id, 4) == (guild_id >> 22) % 4
    assert ShardPlan().owner() is None and ShardPlan(4, (0, 1, 2, 3)).owner() is None


def test_each_process_paces_at_its_share_of_fifty_a_second() -> None:
    assert ShardPlan().post_rate(48.0) == 48.0
    assert ShardPlan(6, (0, 1)).post_rate(48.0) == pytest.approx(16.0)
    shares = [ShardPlan(4, (0, 1)).post_rate(48.0), ShardPlan(4, (2, 3)).post_rate(48.0)]
    assert sum(shares) <= 50.0


def test_shard_settings_choose_the_auto_sharded_bot(tmp_path: Path) -> None:
    base = {"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "d.sqlite3")}
    plain = Settings.from_env(base)
    assert bot_class(plain) is SteadyBot and sharding(plain) == {}
    sharded = Settings.from_env({**base, "SHARD_COUNT": "4", "SHARD_IDS": "2,3"})
    assert bot_class(sharded) is ShardedSteadyBot
    assert sharding(sharded) == {"shard_count": 4, "shard_ids": [2, 3]}


def test_a_second_process_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "steady.sqlite3"
    lock = SingleProcessLock(path)
    lock.acquire()
    try:
        other = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from bot.shards import SingleProcessLock\n"
                "try:\n    SingleProcessLock(Path(sys.argv[1])).acquire()\n"
                "except Exception as exc:\n    print(exc); sys.exit(2)",
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert other.returncode == 2 and "already in use" in other.stdout and "DATABASE_URL" in other.stdout
        with pytest.raises(DatabaseError, match="DATABASE_PATH"):
            SingleProcessLock(path).acquire()
    finally:
        lock.release()
    again = SingleProcessLock(path)
    again.acquire()  # released: the next process may start
    again.release()


async def test_the_bot_refuses_to_start_on_a_sqlite_file_in_use(
    discord_server: DiscordServer, tmp_path: Path
) -> None:
    first = BotProcess(discord_server, tmp_path / "steady.sqlite3")
    second = BotProcess(discord_server, tmp_path / "steady.sqlite3", LOG_LEVEL="ERROR")
    second.stderr_path = tmp_path / "second.log"
    try:
        await first.start()
        with pytest.raises(RuntimeError, match="exited with 2"):
            await second.start()
        lines = second.log().strip().splitlines()
        assert len(lines) == 1 and "already in use by another Steady process" in lines[0], lines
        assert first.proc is not None and first.proc.returncode is None, "the first process keeps running"
    finally:
        await first.ensure_stopped()
        await second.ensure_stopped()
