"""Quiet moments' records as Python sees them, and their conversion from database rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.moments.content import submission_key
from bot.moments.schedule import Schedule, parse_hhmm

SUBMISSION_MIN = 10
SUBMISSION_MAX = 500
SHARES_PER_DAY = 3
DAY = timedelta(days=1)


@dataclass(frozen=True)
class MomentsConfig:
    guild_id: int
    channel_id: int
    at: time
    zone_name: str
    paused: bool
    thread: bool
    effective_from: datetime
    updated_at: datetime

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    @property
    def schedule(self) -> Schedule:
        return Schedule(at=self.at, zone=self.zone, effective_from=self.effective_from)


@dataclass(frozen=True)
class PostRecord:
    guild_id: int
    local_date: date
    state: str
    due_at: datetime
    channel_id: int | None
    moment_key: str | None
    nonce: str | None
    message_id: int | None
    reason: str | None
    attempts: int
    next_attempt_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class Submission:
    id: int
    guild_id: int
    author_id: int
    text: str
    status: str
    created_at: datetime
    care: bool = False

    @property
    def key(self) -> str:
        return submission_key(self.id)


@dataclass(frozen=True)
class ClaimRequest:
    guild_id: int
    local_date: date
    due_at: datetime
    channel_id: int
    nonce: str


def _ts(value: datetime) -> str:
    return value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _config(row: aiosqlite.Row) -> MomentsConfig:
    return MomentsConfig(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        at=parse_hhmm(row["post_time"]),
        zone_name=row["timezone"],
        paused=bool(row["paused"]),
        thread=bool(row["thread"]),
        effective_from=datetime.fromisoformat(row["effective_from"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


def _record(row: aiosqlite.Row) -> PostRecord:
    return PostRecord(
        guild_id=row["guild_id"],
        local_date=date.fromisoformat(row["local_date"]),
        state=row["state"],
        due_at=datetime.fromisoformat(row["due_at"]),
        channel_id=row["channel_id"],
        moment_key=row["moment_key"],
        nonce=row["nonce"],
        message_id=row["message_id"],
        reason=row["reason"],
        attempts=row["attempts"],
        next_attempt_at=_dt(row["next_attempt_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


def _submission(row: aiosqlite.Row) -> Submission:
    return Submission(
        id=row["id"],
        guild_id=row["guild_id"],
        author_id=row["author_id"],
        text=row["text"],
        status=row["status"],
        created_at=datetime.fromisoformat(row["created_at"]),
        care=bool(row["care"]),
    )
