"""Per-server settings shared by the features (the crisis-line region, for now)."""

from __future__ import annotations

import aiosqlite

from bot.database import Database
from bot.resources import DEFAULT_REGION, REGIONS


class GuildSettingsStore:
    """The one owner of `guild_settings` (reads, writes, deletes); a missing row, or a region never chosen,
    means the defaults."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def region(self, guild_id: int | None) -> str:
        return await self.chosen_region(guild_id) or DEFAULT_REGION

    async def chosen_region(self, guild_id: int | None) -> str | None:
        """The region the server's moderators chose with /config region, or None if they never did."""
        if guild_id is None:
            return None
        row = await self.db.fetchone(
            "SELECT region FROM guild_settings WHERE guild_id = ? AND region_set = 1", (guild_id,)
        )
        return str(row["region"]) if row else None

    async def set_region(self, guild_id: int, region: str) -> None:
        if region not in REGIONS:
            raise ValueError(f"unknown region {region!r}")
        await self.db.execute(
            "INSERT INTO guild_settings (guild_id, region, region_set) VALUES (?, ?, 1) "
            "ON CONFLICT (guild_id) DO UPDATE SET region = excluded.region, region_set = 1",
            (guild_id, region),
        )

    @staticmethod
    async def forget(conn: aiosqlite.Connection, guild_id: int) -> None:
        """Delete a server's settings inside the caller's transaction (the purge's, with its presence row)."""
        await conn.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))
