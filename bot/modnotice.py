"""Telling moderators that shared moments wait: where, and how often (a count, never the text)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.database import Database

NOTICE_EVERY = timedelta(hours=4)


@dataclass(frozen=True)
class ModChannel:
    guild_id: int
    channel_id: int
    last_notice_at: datetime | None


def waiting_notice_due(channel: ModChannel, newest_pending: datetime | None, now: datetime) -> bool:
    """A notice is due when something arrived since the last one, and the last is NOTICE_EVERY old."""
    if newest_pending is None:
        return False
    last = channel.last_notice_at
    if last is None:
        return True
    return newest_pending > last and now - last >= NOTICE_EVERY


class ModChannelStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, guild_id: int) -> ModChannel | None:
        row = await self.db.fetchone("SELECT * FROM mod_channels WHERE guild_id = ?", (guild_id,))
        if row is None:
            return None
        last = row["last_notice_at"]
        return ModChannel(row["guild_id"], row["channel_id"], datetime.fromisoformat(last) if last else None)

    async def all(self) -> list[ModChannel]:
        rows = await self.db.fetchall("SELECT guild_id FROM mod_channels")
        found = [await self.get(int(r["guild_id"])) for r in rows]
        return [c for c in found if c is not None]

    async def set(self, guild_id: int, channel_id: int, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO mod_channels (guild_id, channel_id, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
            "updated_at = excluded.updated_at",
            (guild_id, channel_id, now.isoformat()),
        )

    async def mark_noticed(self, guild_id: int, now: datetime) -> None:
        await self.db.execute(
            "UPDATE mod_channels SET last_notice_at = ? WHERE guild_id = ?", (now.isoformat(), guild_id)
        )

    async def pending(self, guild_id: int) -> tuple[int, datetime | None]:
        """How many submissions wait in this server, and when the newest arrived."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n, MAX(created_at) AS newest FROM moment_submissions "
            "WHERE guild_id = ? AND status = 'pending'",
            (guild_id,),
        )
        if row is None or not row["n"]:
            return 0, None
        return int(row["n"]), datetime.fromisoformat(row["newest"])

    async def delete_guild(self, guild_id: int) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute("DELETE FROM mod_channels WHERE guild_id = ?", (guild_id,))
        return max(cur.rowcount, 0)
