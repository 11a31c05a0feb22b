"""People own their data: every feature answers "what do you keep about this user?" and "delete it"."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from bot.database import Database
from bot.guild_settings import GuildSettingsStore

log = logging.getLogger("steady.privacy")
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
        "INSERT INTO guild_presence (guild_id, seen_at, removed_at) VALUES (?, ?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE "
        "SET removed_at = COALESCE(guild_presence.removed_at, excluded.removed_at)",
        (guild_id, now.isoformat(), now.isoformat()),
    )


async def mark_guild_present(db: Database, guild_ids: Iterable[int], now: datetime) -> None:
    """Record every server Steady is in (an upsert), so a later removal is noticed even while offline."""
    rows = [(g, now.isoformat()) for g in guild_ids]
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO guild_presence (guild_id, seen_at, removed_at) VALUES (?, ?, NULL) "
            "ON CONFLICT (guild_id) DO UPDATE SET removed_at = NULL",
            rows,
        )


async def guilds_known(db: Database) -> set[int]:
    rows = await db.fetchall("SELECT guild_id FROM guild_presence WHERE removed_at IS NULL")
    return {int(r["guild_id"]) for r in rows}


async def purge_removed_guilds(db: Database, owners: Iterable[GuildDataOwner], now: datetime) -> list[int]:
    """Delete everything about servers removed more than RETENTION ago; returns their ids.

    Each server is checked again right before its data goes, and its presence row is deleted only
    ``WHERE removed_at <= cutoff``, so a server that added Steady back meanwhile keeps everything.
    """
    cutoff = (now - RETENTION).isoformat()
    query = "SELECT guild_id FROM guild_presence WHERE removed_at IS NOT NULL AND removed_at <= ?"
    owners = list(owners)
    purged: list[int] = []
    for row in await db.fetchall(query, (cutoff,)):
        guild_id = int(row["guild_id"])
        if await db.fetchone(f"{query} AND guild_id = ?", (cutoff, guild_id)) is None:
            continue
        for owner in owners:
            await owner.delete_guild_data(guild_id)
        async with db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM guild_presence WHERE guild_id = ? AND removed_at <= ?",
                (guild_id, cutoff),
            )
            if cur.rowcount:
                await GuildSettingsStore.forget(conn, guild_id)
        purged.append(guild_id)
        log.info("purged data of server %s, removed over %d days ago", guild_id, RETENTION.days)
    return purged
