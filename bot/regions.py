"""Which crisis lines a person sees: their own remembered region, else their server's, else international."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.database import Database
from bot.resources import DEFAULT_REGION, REGIONS


@dataclass(frozen=True)
class RegionChoice:
    code: str
    source: str  # "person", "server" or "default"

    @property
    def needs_picker(self) -> bool:
        """Nobody chose: show international lines and a way to pick."""
        return self.source == "default"


def resolve_region(person: str | None, server: str | None) -> RegionChoice:
    if person in REGIONS:
        return RegionChoice(person, "person")
    if server in REGIONS:
        return RegionChoice(server, "server")
    return RegionChoice(DEFAULT_REGION, "default")


class UserRegionStore:
    """A person's own region; one row, shown and deleted by /mydata."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> str | None:
        row = await self.db.fetchone("SELECT region FROM user_regions WHERE user_id = ?", (user_id,))
        return str(row["region"]) if row and row["region"] in REGIONS else None

    async def set(self, user_id: int, region: str, now: datetime) -> None:
        if region not in REGIONS:
            raise ValueError(f"unknown region {region!r}")
        await self.db.execute(
            "INSERT INTO user_regions (user_id, region, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET region = excluded.region, updated_at = excluded.updated_at",
            (user_id, region, now.isoformat()),
        )

    async def delete(self, user_id: int) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute("DELETE FROM user_regions WHERE user_id = ?", (user_id,))
        return max(cur.rowcount, 0)
