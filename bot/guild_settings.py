"""Per-server settings shared by the features (the crisis-line region, for now)."""

from __future__ import annotations

from bot.database import Database
from bot.resources import DEFAULT_REGION, REGIONS


class GuildSettingsStore:
    """Reads and writes `guild_settings`; a missing row means the defaults."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def region(self, guild_id: int | None) -> str:
        if guild_id is None:
            return DEFAULT_REGION
        row = await self.db.fetchone("SELECT region FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return str(row["region"]) if row else DEFAULT_REGION

    async def set_region(self, guild_id: int, region: str) -> None:
        if region not in REGIONS:
            raise ValueError(f"unknown region {region!r}")
        await self.db.execute(
            "INSERT INTO guild_settings (guild_id, region) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET region = excluded.region",
            (guild_id, region),
        )
