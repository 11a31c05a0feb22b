"""Read-only views for the commands: a server's status, and today's (or the next) moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.moments.content import Moment
from bot.moments.schedule import local_date, upcoming_post
from bot.moments.store import MomentsConfig, MomentsStore, PostRecord

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class MomentsStatus:
    config: MomentsConfig | None
    next_post: datetime | None
    last: PostRecord | None
    pending: int


async def moments_status(store: MomentsStore, guild_id: int, now: datetime) -> MomentsStatus:
    """What /config status shows; the next post is computed from the records, not the runner's memory."""
    config = await store.get_config(guild_id)
    next_at: datetime | None = None
    if config is not None and not config.paused:
        since = local_date(now, config.zone) - timedelta(days=3)
        records = await store.records_since(since, guild_id)
        claimed = [r for r in records if r.state == "claimed"]
        if claimed:
            next_at = max(now, min(r.next_attempt_at or now for r in claimed))
        else:
            found = upcoming_post(config.schedule, now, {r.local_date for r in records})
            next_at = found[1] if found else None
    return MomentsStatus(
        config=config,
        next_post=next_at,
        last=await store.last_record(guild_id),
        pending=await store.pending_count(guild_id),
    )


@dataclass(frozen=True)
class TodaysMoment:
    moment: Moment | None
    posted_today: bool
    record: PostRecord | None


async def todays_moment(store: MomentsStore, guild_id: int, now: datetime) -> TodaysMoment:
    """Today's posted moment in the server's zone; otherwise the next in rotation, peeked, not consumed."""
    config = await store.get_config(guild_id)
    zone = config.zone if config else UTC_ZONE
    record = await store.get_record(guild_id, local_date(now, zone))
    if record is not None and record.state == "sent":
        moment = await store.moment(guild_id, record.moment_key)
        if moment is not None:
            return TodaysMoment(moment, True, record)
    return TodaysMoment(await store.peek_next(guild_id), False, record)
