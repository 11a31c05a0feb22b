"""Every SQL statement for quiet moments: config, post records, rotation state and submissions."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

import aiosqlite

from bot.database import Database
from bot.moments._records import (
    DAY,
    SHARES_PER_DAY,
    SUBMISSION_MAX,
    SUBMISSION_MIN,
    ClaimRequest,
    MomentsConfig,
    PostRecord,
    Submission,
    _config,
    _record,
    _ts,
)
from bot.moments._submissions import SubmissionsStore
from bot.moments.content import SUBMISSION_PREFIX, Moment, submission_key
from bot.moments.rotation import choose_next, queue_position
from bot.moments.schedule import format_hhmm

__all__ = [
    "DAY",
    "SHARES_PER_DAY",
    "SUBMISSION_MAX",
    "SUBMISSION_MIN",
    "ClaimRequest",
    "MomentsConfig",
    "MomentsStore",
    "PostRecord",
    "Submission",
    "delete_user_data",
    "describe_user_data",
]


class MomentsStore(SubmissionsStore):
    """Repository over the quiet-moments tables; the built-in moments complete each server's pool."""

    def __init__(self, db: Database, builtins: Sequence[Moment]) -> None:
        self.db = db
        self.builtins = list(builtins)
        self._builtin_by_key = {m.key: m for m in self.builtins}

    # --- config ---------------------------------------------------------------------------------

    async def get_config(self, guild_id: int) -> MomentsConfig | None:
        row = await self.db.fetchone("SELECT * FROM moments_config WHERE guild_id = ?", (guild_id,))
        return _config(row) if row else None

    async def active_configs(self) -> list[MomentsConfig]:
        rows = await self.db.fetchall("SELECT * FROM moments_config WHERE paused = 0")
        return [_config(r) for r in rows]

    async def set_config(
        self, guild_id: int, channel_id: int, at: time, zone_name: str, thread: bool, now: datetime
    ) -> MomentsConfig:
        """Save and enable; posts owed from ``now`` on (today's if its time is still ahead)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO moments_config (guild_id, channel_id, post_time, timezone, paused, thread,"
                " effective_from, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id,"
                " post_time = excluded.post_time, timezone = excluded.timezone, paused = 0,"
                " thread = excluded.thread, effective_from = excluded.effective_from,"
                " updated_at = excluded.updated_at",
                (guild_id, channel_id, format_hhmm(at), zone_name, int(thread), _ts(now), _ts(now)),
            )
        config = await self.get_config(guild_id)
        assert config is not None
        return config

    async def set_paused(self, guild_id: int, paused: bool, now: datetime) -> MomentsConfig | None:
        """Pause or resume; resuming counts from ``now`` so it never triggers a catch-up post."""
        async with self.db.transaction() as conn:
            if paused:
                await conn.execute(
                    "UPDATE moments_config SET paused = 1, updated_at = ? WHERE guild_id = ?",
                    (_ts(now), guild_id),
                )
            else:
                await conn.execute(
                    "UPDATE moments_config SET paused = 0, effective_from = ?, updated_at = ?"
                    " WHERE guild_id = ? AND paused = 1",
                    (_ts(now), _ts(now), guild_id),
                )
        return await self.get_config(guild_id)

    # --- post records ---------------------------------------------------------------------------

    async def records_since(self, since: date, guild_id: int | None = None) -> list[PostRecord]:
        if guild_id is None:
            rows = await self.db.fetchall(
                "SELECT * FROM moment_posts WHERE local_date >= ?", (since.isoformat(),)
            )
        else:
            rows = await self.db.fetchall(
                "SELECT * FROM moment_posts WHERE guild_id = ? AND local_date >= ?",
                (guild_id, since.isoformat()),
            )
        return [_record(r) for r in rows]

    async def prune_posts(self, before: date, *, batch: int = 2000) -> int:
        """Forget post records for dates before ``before``; returns how many. Kept: a claim still owed,
        and posts of shared moments (few; they mark a submission as already posted, see _fresh_keys).

        In small transactions, so a first prune of a long history never holds the write lock for long.
        """
        total = 0
        while True:
            async with self.db.transaction() as conn:
                cur = await conn.execute(
                    "DELETE FROM moment_posts WHERE (guild_id, local_date) IN"
                    " (SELECT guild_id, local_date FROM moment_posts"
                    " WHERE local_date < ? AND state != 'claimed'"
                    " AND (moment_key IS NULL OR moment_key NOT LIKE 'sub:%') LIMIT ?)",
                    (before.isoformat(), batch),
                )
            total += max(cur.rowcount, 0)
            if cur.rowcount < batch:
                return total
            await asyncio.sleep(0)

    async def claimed_records(self) -> list[PostRecord]:
        rows = await self.db.fetchall("SELECT * FROM moment_posts WHERE state = 'claimed'")
        return [_record(r) for r in rows]

    async def get_record(self, guild_id: int, day: date) -> PostRecord | None:
        row = await self.db.fetchone(
            "SELECT * FROM moment_posts WHERE guild_id = ? AND local_date = ?", (guild_id, day.isoformat())
        )
        return _record(row) if row else None

    async def last_record(self, guild_id: int) -> PostRecord | None:
        row = await self.db.fetchone(
            "SELECT * FROM moment_posts WHERE guild_id = ? ORDER BY local_date DESC LIMIT 1", (guild_id,)
        )
        return _record(row) if row else None

    async def claim_many(self, claims: Iterable[ClaimRequest], now: datetime) -> list[PostRecord]:
        """Claim each (server, date) and pick its moment in one transaction.

        A date that already has a record is left alone (another tick or an earlier run owns it), so only
        the newly claimed records come back.
        """
        claimed: list[PostRecord] = []
        async with self.db.transaction() as conn:
            for c in claims:
                cur = await conn.execute(
                    "INSERT INTO moment_posts (guild_id, local_date, state, due_at, channel_id, nonce,"
                    " attempts, updated_at) VALUES (?, ?, 'claimed', ?, ?, ?, 0, ?)"
                    " ON CONFLICT (guild_id, local_date) DO NOTHING",
                    (c.guild_id, c.local_date.isoformat(), _ts(c.due_at), c.channel_id, c.nonce, _ts(now)),
                )
                if cur.rowcount != 1:
                    continue
                key = await self._take_next(conn, c.guild_id)
                await conn.execute(
                    "UPDATE moment_posts SET moment_key = ? WHERE guild_id = ? AND local_date = ?",
                    (key, c.guild_id, c.local_date.isoformat()),
                )
                claimed.append(
                    PostRecord(
                        guild_id=c.guild_id,
                        local_date=c.local_date,
                        state="claimed",
                        due_at=c.due_at,
                        channel_id=c.channel_id,
                        moment_key=key,
                        nonce=c.nonce,
                        message_id=None,
                        reason=None,
                        attempts=0,
                        next_attempt_at=None,
                        updated_at=now,
                    )
                )
        return claimed

    async def mark_sent(self, guild_id: int, day: date, message_id: int, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE moment_posts SET state = 'sent', message_id = ?, reason = NULL,"
                " next_attempt_at = NULL, attempts = attempts + 1, updated_at = ?"
                " WHERE guild_id = ? AND local_date = ?",
                (message_id, _ts(now), guild_id, day.isoformat()),
            )

    async def mark_failed(self, guild_id: int, day: date, reason: str, now: datetime) -> None:
        """Record the failure and give the unseen moment back to the rotation."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT moment_key FROM moment_posts WHERE guild_id = ? AND local_date = ?",
                (guild_id, day.isoformat()),
            ) as cur:
                row = await cur.fetchone()
            await conn.execute(
                "UPDATE moment_posts SET state = 'failed', reason = ?, next_attempt_at = NULL,"
                " attempts = attempts + 1, updated_at = ? WHERE guild_id = ? AND local_date = ?",
                (reason, _ts(now), guild_id, day.isoformat()),
            )
            if row and row["moment_key"]:
                await conn.execute(
                    "DELETE FROM moment_rotation_used WHERE guild_id = ? AND moment_key = ?",
                    (guild_id, row["moment_key"]),
                )

    async def mark_retry(
        self, guild_id: int, day: date, reason: str, retry_at: datetime, now: datetime
    ) -> int:
        """Keep the claim (same nonce) for another try after a transient error; returns attempts so far."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE moment_posts SET reason = ?, next_attempt_at = ?, attempts = attempts + 1,"
                " updated_at = ? WHERE guild_id = ? AND local_date = ? AND state = 'claimed'",
                (reason, _ts(retry_at), _ts(now), guild_id, day.isoformat()),
            )
            async with conn.execute(
                "SELECT attempts FROM moment_posts WHERE guild_id = ? AND local_date = ?",
                (guild_id, day.isoformat()),
            ) as cur:
                row = await cur.fetchone()
        return int(row["attempts"]) if row else 0

    async def record_skipped(self, items: Iterable[tuple[int, date, datetime, str]], now: datetime) -> None:
        """Record (server, date, due, reason) as skipped, unless the date already has a record."""
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO moment_posts (guild_id, local_date, state, due_at, reason, updated_at)"
                " VALUES (?, ?, 'skipped', ?, ?, ?) ON CONFLICT (guild_id, local_date) DO NOTHING",
                [(g, d.isoformat(), _ts(due), reason, _ts(now)) for g, d, due, reason in items],
            )

    # --- rotation -------------------------------------------------------------------------------

    async def _pool_keys(self, conn: aiosqlite.Connection, guild_id: int) -> list[str]:
        async with conn.execute(
            "SELECT id FROM moment_submissions WHERE guild_id = ? AND status = 'approved'", (guild_id,)
        ) as cur:
            rows = await cur.fetchall()
        return [m.key for m in self.builtins] + [submission_key(r["id"]) for r in rows]

    async def _rotation_state(
        self, conn: aiosqlite.Connection, guild_id: int
    ) -> tuple[int, str | None, set[str]]:
        async with conn.execute(
            "SELECT cycle, last_key FROM moment_rotation WHERE guild_id = ?", (guild_id,)
        ) as cur:
            row = await cur.fetchone()
        async with conn.execute(
            "SELECT moment_key FROM moment_rotation_used WHERE guild_id = ?", (guild_id,)
        ) as cur:
            used = {r["moment_key"] for r in await cur.fetchall()}
        return (row["cycle"], row["last_key"], used) if row else (0, None, used)

    async def _fresh_keys(self, conn: aiosqlite.Connection, guild_id: int) -> list[str]:
        """Approved submissions never posted in this server, oldest approval first: they jump the queue."""
        async with conn.execute(
            "SELECT s.id FROM moment_submissions s WHERE s.guild_id = ? AND s.status = 'approved'"
            " AND NOT EXISTS (SELECT 1 FROM moment_posts p WHERE p.guild_id = s.guild_id"
            " AND p.moment_key = 'sub:' || s.id AND p.state != 'failed') ORDER BY s.decided_at, s.id",
            (guild_id,),
        ) as cur:
            rows = await cur.fetchall()
        return [submission_key(r["id"]) for r in rows]

    async def queue_position(self, guild_id: int, key: str) -> int | None:
        """How many posts come before a freshly approved moment (0: the next post is it)."""
        async with self.db.reading() as conn:
            pool = await self._pool_keys(conn, guild_id)
            _, _, used = await self._rotation_state(conn, guild_id)
            fresh = await self._fresh_keys(conn, guild_id)
        return queue_position(used, pool, fresh, key)

    async def _take_next(self, conn: aiosqlite.Connection, guild_id: int) -> str | None:
        """Consume the server's next moment inside the caller's transaction."""
        pool = await self._pool_keys(conn, guild_id)
        cycle, last_key, used = await self._rotation_state(conn, guild_id)
        fresh = await self._fresh_keys(conn, guild_id)
        choice = choose_next(guild_id, cycle, used, pool, last_key, fresh)
        if choice is None:
            return None
        new_cycle, key = choice
        if new_cycle != cycle:
            await conn.execute("DELETE FROM moment_rotation_used WHERE guild_id = ?", (guild_id,))
        await conn.execute(
            "INSERT INTO moment_rotation_used (guild_id, moment_key) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (guild_id, key),
        )
        await conn.execute(
            "INSERT INTO moment_rotation (guild_id, cycle, last_key) VALUES (?, ?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET cycle = excluded.cycle, last_key = excluded.last_key",
            (guild_id, new_cycle, key),
        )
        return key

    async def peek_next(self, guild_id: int) -> Moment | None:
        """The moment the next post would use, without consuming it."""
        async with self.db.reading() as conn:
            pool = await self._pool_keys(conn, guild_id)
            cycle, last_key, used = await self._rotation_state(conn, guild_id)
            fresh = await self._fresh_keys(conn, guild_id)
        choice = choose_next(guild_id, cycle, used, pool, last_key, fresh)
        return await self.moment(guild_id, choice[1]) if choice else None

    async def moment(self, guild_id: int, key: str | None) -> Moment | None:
        """Resolve a stored key to its text (a submission only within its own server)."""
        if not key:
            return None
        if not key.startswith(SUBMISSION_PREFIX):
            return self._builtin_by_key.get(key)
        try:
            sub_id = int(key.removeprefix(SUBMISSION_PREFIX))
        except ValueError:
            return None
        row = await self.db.fetchone(
            "SELECT * FROM moment_submissions WHERE id = ? AND guild_id = ?", (sub_id, guild_id)
        )
        if row is None:
            return None
        return Moment(key=key, text=row["text"], author_id=row["author_id"])

    async def delete_guild(self, guild_id: int) -> int:
        """Forget a server entirely (30 days after Steady was removed from it)."""
        deleted = 0
        async with self.db.transaction() as conn:
            for table in MOMENTS_TABLES:
                cur = await conn.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
                deleted += max(cur.rowcount, 0)
        return deleted


MOMENTS_TABLES = (
    "moments_config",
    "moment_posts",
    "moment_rotation",
    "moment_rotation_used",
    "moment_submissions",
)


async def describe_user_data(db: Database, user_id: int) -> list[str]:
    """What quiet moments keep about one person: the moments they shared."""
    rows = await db.fetchall(
        "SELECT status, COUNT(*) AS n FROM moment_submissions WHERE author_id = ? GROUP BY status", (user_id,)
    )
    counts = {r["status"]: int(r["n"]) for r in rows}
    reviewed = await db.fetchone(
        "SELECT COUNT(*) AS n FROM moment_submissions WHERE decided_by = ?", (user_id,)
    )
    lines: list[str] = []
    if counts:
        words = {"pending": "waiting for review", "approved": "approved", "rejected": "set aside"}
        parts = [f"{counts[k]} {w}" for k, w in words.items() if counts.get(k)]
        total = sum(counts.values())
        moments = "quiet moment" if total == 1 else "quiet moments"
        lines.append(
            f"The {total} {moments} you shared with /share-moment, with their text and the server "
            f"({', '.join(parts)})."
        )
    if reviewed and reviewed["n"]:
        n = int(reviewed["n"])
        lines.append(
            f"That you reviewed {n} shared {'moment' if n == 1 else 'moments'} as a moderator, "
            "and whether you approved or set each aside."
        )
    return lines


async def delete_user_data(db: Database, user_id: int) -> int:
    """Delete the person's submissions (approved ones leave the rotation) and forget them as a reviewer."""
    async with db.transaction() as conn:
        cur = await conn.execute("DELETE FROM moment_submissions WHERE author_id = ?", (user_id,))
        deleted = cur.rowcount
        await conn.execute("UPDATE moment_submissions SET decided_by = NULL WHERE decided_by = ?", (user_id,))
    return max(deleted, 0)
