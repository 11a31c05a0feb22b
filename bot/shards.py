"""Which process owns which server, and how much of Discord's global rate limit each process may use.

Discord routes a server to shard ``(guild_id >> 22) % shard_count``; a process schedules daily posts
only for servers on its own shards. Claims in the database still keep each post to one, should two
processes ever disagree (a restart with other shard ids, a rebalance).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

GLOBAL_RATE = 50.0  # Discord's global limit for the whole bot, requests a second
HEADROOM = 0.96  # pace a little under it, as one process always has


def shard_of(guild_id: int, shard_count: int) -> int:
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class ShardPlan:
    """This process's share of the bot: ``shard_ids`` of ``shard_count`` (None: all of them)."""

    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    def owner(self) -> Callable[[int], bool] | None:
        """A test for 'this server is mine', or None when this process owns every server."""
        count = self.shard_count
        if count is None:
            return None
        mine = frozenset(self.shard_ids if self.shard_ids is not None else range(count))
        if len(mine) == count:
            return None
        return lambda guild_id: shard_of(guild_id, count) in mine

    def post_rate(self, rate: float = GLOBAL_RATE * HEADROOM) -> float:
        """Posts a second for this process: its share of the global limit, by the shards it runs."""
        if self.shard_count is None or self.shard_ids is None:
            return rate
        return rate * len(self.shard_ids) / self.shard_count


class SingleProcessLock:
    """An exclusive lock beside the SQLite file: a second process on the same file is refused at start.

    The kernel drops the lock when the process ends, however it ends, so a crash never leaves it stale.
    """

    def __init__(self, database_path: Path) -> None:
        self.path = database_path.with_name(database_path.name + ".lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        from bot.database import DatabaseError

        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise DatabaseError(
                f"DATABASE_PATH {self.path.with_suffix('')} is already in use by another Steady process; "
                "SQLite serves one process: stop the other, or set DATABASE_URL to share PostgreSQL"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
