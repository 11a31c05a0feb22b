"""People own their data: every feature answers "what do you keep about this user?" and "delete it"."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from bot.database import Database

log = logging.getLogger(__name__)
RETENTION = timedelta(days=30)


@runtime_checkable
class UserDataOwner(Protocol):
    """A feature that stores anything about a person; ``/mydata`` asks each one."""

    user_data_name: str

    async def describe_user_data(self, user_id: int) -> list[str]: ...

    async def delete_user_data(self, user_id: int) -> int: ...


@runtime_checkable
class GuildDataOwner(Protocol):
    """A feature that stores anything about a server; purged 30 days after the bot is removed."""

    async def delete_guild_data(self, guild_id: int) -> int: ...


@dataclass(frozen=True)
class UserDataReport:
    sections: list[tuple[str, list[str]]]

    @property
    def empty(self) -> bool:
        return not any(lines for _, lines in self.sections)


async def describe_user(owners: Iterable[UserDataOwner], user_id: int) -> UserDataReport:
    return UserDataReport([(o.user_data_name, await o.describe_user_data(user_id)) for o in owners])


async def delete_user(owners: Iterable[UserDataOwner], user_id: int) -> int:
    """Delete rows, not flags; the log keeps only the id and a count."""
    total = 0
    for owner in owners:
        total += await owner.delete_user_data(user_id)
    log.info("deleted %d rows for user %s at their request", total, user_id)
    return total


async def mark_guild_removed(db: Database, guild_id: int, now: datetime) -> None:
    """Keep a removed server's data for RETENTION, in case it adds the bot back."""
    await db.execute(
        "INSERT INTO guild_settings (guild_id, removed_at) VALUES (?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE "
        "SET removed_at = COALESCE(guild_settings.removed_at, excluded.removed_at)",
        (guild_id, now.isoformat()),
    )


async def mark_guild_present(db: Database, guild_ids: Iterable[int]) -> None:
    ids = list(guild_ids)
    async with db.transaction() as conn:
        await conn.executemany(
            "UPDATE guild_settings SET removed_at = NULL WHERE guild_id = ?", [(g,) for g in ids]
        )


async def guilds_known(db: Database) -> set[int]:
    rows = await db.fetchall("SELECT guild_id FROM guild_settings WHERE removed_at IS NULL")
    return {int(r["guild_id"]) for r in rows}


async def purge_removed_guilds(db: Database, owners: Iterable[GuildDataOwner], now: datetime) -> list[int]:
    """Delete everything about servers removed more than RETENTION ago; returns their ids."""
    cutoff = (now - RETENTION).isoformat()
    rows = await db.fetchall(
        "SELECT guild_id FROM guild_settings WHERE removed_at IS NOT NULL AND removed_at <= ?", (cutoff,)
    )
    purged = [int(r["guild_id"]) for r in rows]
    owners = list(owners)
    for guild_id in purged:
        for owner in owners:
            await owner.delete_guild_data(guild_id)
        await db.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))
        log.info("purged data of server %s, removed over %d days ago", guild_id, RETENTION.days)
    return purged
