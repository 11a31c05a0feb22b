"""When each server's quiet moment is due: pure calendar arithmetic, no I/O and no wall clock."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

CATCH_UP_LIMIT = timedelta(hours=6)
NONCE_MAX_LEN = 25
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


class ScheduleError(ValueError):
    """Input a server admin typed that cannot be a schedule; the message says what is accepted."""


def parse_hhmm(text: str) -> time:
    """A 24-hour ``HH:MM`` (``9:05`` is accepted too); anything else is refused with a clear reason."""
    raw = (text or "").strip()
    if not raw:
        raise ScheduleError("Please give a time as HH:MM on the 24-hour clock, for example 08:30 or 19:00.")
    m = _HHMM.match(raw)
    if not m:
        raise ScheduleError(
            f"“{raw[:20]}” isn't a time I can read. Please use HH:MM on the 24-hour clock, "
            "for example 08:30 or 19:00 (not 9am)."
        )
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        raise ScheduleError(
            f"“{raw}” isn't on the clock: hours go from 00 to 23 and minutes from 00 to 59, "
            "for example 08:30 or 19:00."
        )
    return time(hour, minute)


def format_hhmm(at: time) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name tzdata knows, sorted; cached because autocomplete reads it per keystroke."""
    return tuple(sorted(n for n in available_timezones() if "/" in n or n == "UTC"))


@cache
def _names_by_folded() -> dict[str, str]:
    return {n.casefold(): n for n in timezone_names()}


def parse_zone(text: str) -> ZoneInfo:
    """An IANA zone by name (case and spaces forgiven), or a ScheduleError saying what is accepted."""
    raw = (text or "").strip().replace(" ", "_")
    if not raw:
        raise ScheduleError(
            "Please choose a time zone from the list, for example America/Chicago or Europe/London."
        )
    name = _names_by_folded().get(raw.casefold())
    if name is None:
        raise ScheduleError(
            f"“{raw[:40]}” isn't a time zone I know. Please pick one from the list as you type, "
            "a Region/City name such as America/New_York, Europe/London or Asia/Kolkata."
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"I couldn't load the time zone “{name}”. Please pick another from the list."
        ) from None


def due_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant for ``at`` on local ``day``.

    A wall time skipped by a DST change moves to the first valid minute after it (zoneinfo alone would
    shift 02:30 to 03:30); a repeated wall time uses its first occurrence (fold=0).
    """
    wall = datetime.combine(day, at)
    for _ in range(26 * 60):
        instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == wall:
            return instant
        wall += timedelta(minutes=1)
    raise ValueError(f"no valid local time near {day} {at} in {zone.key}")  # pragma: no cover


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


@dataclass(frozen=True)
class Schedule:
    """A server's daily slot; dates whose due instant is before ``effective_from`` are never posted."""

    at: time
    zone: ZoneInfo
    effective_from: datetime


def next_post(schedule: Schedule, now: datetime, handled: Container[date]) -> tuple[date, datetime] | None:
    """The earliest local date still owed a post (or a skip record), with its due instant.

    Looks back one local day so a slot missed while the bot was down is either caught up or recorded as
    skipped; the result may therefore be in the past.
    """
    today = local_date(now, schedule.zone)
    for offset in range(-1, 4):
        day = today + timedelta(days=offset)
        if day in handled:
            continue
        due = due_instant(day, schedule.at, schedule.zone)
        if due < schedule.effective_from:
            continue
        return day, due
    return None


def catch_up_allowed(due: datetime, now: datetime, limit: timedelta = CATCH_UP_LIMIT) -> bool:
    """A late post is still welcome if it is less than ``limit`` after its due instant."""
    return now - due < limit


def post_nonce(guild_id: int, day: date) -> str:
    """A stable nonce per (server, local date), at most 25 characters, so Discord drops a resend."""
    digest = hashlib.sha256(f"steady-moment:{guild_id}:{day.isoformat()}".encode()).hexdigest()
    return ("qm" + digest)[:NONCE_MAX_LEN]


def describe_lateness(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def upcoming_post(
    schedule: Schedule, now: datetime, handled: Container[date], limit: timedelta = CATCH_UP_LIMIT
) -> tuple[date, datetime] | None:
    """The next post a person should expect: an owed one still within catch-up counts, older ones don't."""
    skipped: set[date] = set()
    for _ in range(5):
        found = next_post(schedule, now, _Both(handled, skipped))
        if found is None or catch_up_allowed(found[1], now, limit):
            return found
        skipped.add(found[0])
    return None


class _Both:
    def __init__(self, first: Container[date], second: Container[date]) -> None:
        self.first, self.second = first, second

    def __contains__(self, item: object) -> bool:
        return item in self.first or item in self.second
