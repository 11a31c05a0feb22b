"""Shared moments: submissions, the daily share limit, and moderators' decisions."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.cooldown import next_allowed
from bot.database import Database
from bot.moments._records import DAY, SHARES_PER_DAY, Submission, _submission, _ts


class SubmissionsStore:
    """The ``moment_submissions`` statements; MomentsStore inherits them."""

    db: Database

    async def add_submission(
        self, guild_id: int, author_id: int, text: str, now: datetime, *, care: bool = False
    ) -> Submission:
        """Every submission waits for review; ``care`` marks words that suggest its author is struggling."""
        async with self.db.transaction() as conn:
            return await _insert_submission(conn, guild_id, author_id, text, now, care)

    async def add_submission_within_limit(
        self,
        guild_id: int,
        author_id: int,
        text: str,
        now: datetime,
        *,
        care: bool = False,
        per_day: int = SHARES_PER_DAY,
    ) -> Submission | datetime:
        """Check the person's daily limit and record the share in one transaction, so two shares at the
        same moment cannot both pass; returns the submission, or when sharing is allowed again."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT created_at FROM moment_submissions WHERE author_id = ? AND created_at >= ?",
                (author_id, _ts(now - DAY)),
            ) as cur:
                times = [datetime.fromisoformat(r["created_at"]) for r in await cur.fetchall()]
            again = next_allowed(times, per_day, DAY, now)
            if again is not None:
                return again
            return await _insert_submission(conn, guild_id, author_id, text, now, care)

    async def submission_times(self, author_id: int, since: datetime) -> list[datetime]:
        """When this person shared moments since ``since``, in any server: the basis of the daily limit."""
        rows = await self.db.fetchall(
            "SELECT created_at FROM moment_submissions WHERE author_id = ? AND created_at >= ?",
            (author_id, _ts(since)),
        )
        return [datetime.fromisoformat(r["created_at"]) for r in rows]

    async def get_submission(self, submission_id: int) -> Submission | None:
        row = await self.db.fetchone("SELECT * FROM moment_submissions WHERE id = ?", (submission_id,))
        return _submission(row) if row else None

    async def pending_count(self, guild_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM moment_submissions WHERE guild_id = ? AND status = 'pending'",
            (guild_id,),
        )
        return int(row["n"]) if row else 0

    async def next_pending(self, guild_id: int) -> Submission | None:
        row = await self.db.fetchone(
            "SELECT * FROM moment_submissions WHERE guild_id = ? AND status = 'pending' ORDER BY id LIMIT 1",
            (guild_id,),
        )
        return _submission(row) if row else None

    async def decide(
        self, guild_id: int, submission_id: int, approve: bool, moderator_id: int, now: datetime
    ) -> Submission | None:
        """Approve or reject a pending submission of this server; None if it was already decided or gone."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE moment_submissions SET status = ?, decided_at = ?, decided_by = ?"
                " WHERE id = ? AND guild_id = ? AND status = 'pending'",
                ("approved" if approve else "rejected", _ts(now), moderator_id, submission_id, guild_id),
            )
            changed = cur.rowcount == 1
        return await self.get_submission(submission_id) if changed else None


async def _insert_submission(
    conn: aiosqlite.Connection, guild_id: int, author_id: int, text: str, now: datetime, care: bool
) -> Submission:
    cur = await conn.execute(
        "INSERT INTO moment_submissions (guild_id, author_id, text, status, created_at, care)"
        " VALUES (?, ?, ?, 'pending', ?, ?)",
        (guild_id, author_id, text, _ts(now), int(care)),
    )
    assert cur.lastrowid is not None
    return Submission(cur.lastrowid, guild_id, author_id, text, "pending", now, care)
