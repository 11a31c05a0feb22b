"""Due instants per local calendar date, across DST changes and odd offsets; input parsing; nonces."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.moments.schedule import (
    Schedule,
    ScheduleError,
    catch_up_allowed,
    due_instant,
    next_post,
    parse_hhmm,
    parse_zone,
    post_nonce,
    timezone_names,
    upcoming_post,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        # New York spring forward 2024-03-10: 02:00-02:59 do not exist; first valid minute is 03:00 EDT.
        ("America/New_York", date(2024, 3, 10), time(2, 30), utc(2024, 3, 10, 7, 0)),
        ("America/New_York", date(2024, 3, 10), time(2, 0), utc(2024, 3, 10, 7, 0)),
        ("America/New_York", date(2024, 3, 10), time(1, 59), utc(2024, 3, 10, 6, 59)),
        ("America/New_York", date(2024, 3, 10), time(3, 0), utc(2024, 3, 10, 7, 0)),
        ("America/New_York", date(2024, 3, 9), time(2, 30), utc(2024, 3, 9, 7, 30)),
        ("America/New_York", date(2024, 3, 11), time(2, 30), utc(2024, 3, 11, 6, 30)),
        # New York fall back 2024-11-03: 01:30 happens twice; the first (EDT) is used.
        ("America/New_York", date(2024, 11, 3), time(1, 30), utc(2024, 11, 3, 5, 30)),
        ("America/New_York", date(2024, 11, 3), time(9, 0), utc(2024, 11, 3, 14, 0)),
        ("America/New_York", date(2024, 11, 2), time(9, 0), utc(2024, 11, 2, 13, 0)),
        # London spring forward 2024-03-31 (01:00 -> 02:00) and fall back 2024-10-27 (02:00 -> 01:00).
        ("Europe/London", date(2024, 3, 31), time(1, 30), utc(2024, 3, 31, 1, 0)),
        ("Europe/London", date(2024, 3, 31), time(9, 0), utc(2024, 3, 31, 8, 0)),
        ("Europe/London", date(2024, 3, 30), time(9, 0), utc(2024, 3, 30, 9, 0)),
        ("Europe/London", date(2024, 10, 27), time(1, 30), utc(2024, 10, 27, 0, 30)),
        ("Europe/London", date(2024, 10, 27), time(9, 0), utc(2024, 10, 27, 9, 0)),
        # Lord Howe: 30-minute DST. Starts 2024-10-06 02:00 -> 02:30 (+10:30 -> +11); ends 2024-04-07.
        ("Australia/Lord_Howe", date(2024, 10, 6), time(2, 15), utc(2024, 10, 5, 15, 30)),
        ("Australia/Lord_Howe", date(2024, 10, 6), time(2, 30), utc(2024, 10, 5, 15, 30)),
        ("Australia/Lord_Howe", date(2024, 10, 6), time(9, 0), utc(2024, 10, 5, 22, 0)),
        ("Australia/Lord_Howe", date(2024, 10, 5), time(9, 0), utc(2024, 10, 4, 22, 30)),
        ("Australia/Lord_Howe", date(2024, 4, 7), time(1, 45), utc(2024, 4, 6, 14, 45)),
        ("Australia/Lord_Howe", date(2024, 4, 7), time(9, 0), utc(2024, 4, 6, 22, 30)),
        # Kathmandu: +05:45 all year.
        ("Asia/Kathmandu", date(2024, 6, 1), time(9, 0), utc(2024, 6, 1, 3, 15)),
        ("Asia/Kathmandu", date(2024, 1, 1), time(0, 0), utc(2023, 12, 31, 18, 15)),
        ("Asia/Kathmandu", date(2024, 1, 1), time(5, 44), utc(2023, 12, 31, 23, 59)),
    ],
)
def test_due_instant(zone: str, day: date, at: time, expected: datetime) -> None:
    assert due_instant(day, at, ZoneInfo(zone)) == expected


def _daily(zone: str, at: time, start: date, days: int) -> list[tuple[date, datetime]]:
    """Walk next_post day by day as the runner does, marking each date handled when its time comes."""
    sched = Schedule(at=at, zone=ZoneInfo(zone), effective_from=datetime.combine(start, time(), UTC))
    handled: set[date] = set()
    now = datetime.combine(start, time(), UTC)
    out: list[tuple[date, datetime]] = []
    while len(out) < days:
        found = next_post(sched, now, handled)
        assert found is not None
        day, due = found
        now = max(now, due)
        handled.add(day)
        out.append((day, due))
    return out


@pytest.mark.parametrize(
    ("zone", "at", "start"),
    [
        ("America/New_York", time(1, 30), date(2024, 11, 1)),
        ("America/New_York", time(2, 30), date(2024, 3, 8)),
        ("Europe/London", time(1, 30), date(2024, 10, 25)),
        ("Europe/London", time(1, 30), date(2024, 3, 29)),
        ("Australia/Lord_Howe", time(1, 45), date(2024, 4, 5)),
        ("Australia/Lord_Howe", time(2, 15), date(2024, 10, 4)),
        ("Asia/Kathmandu", time(23, 59), date(2024, 1, 1)),
    ],
)
def test_one_post_per_local_date_across_transitions(zone: str, at: time, start: date) -> None:
    posts = _daily(zone, at, start, 6)
    days = [d for d, _ in posts]
    assert days == [days[0] + timedelta(days=i) for i in range(6)], "a date was skipped or repeated"
    instants = [due for _, due in posts]
    assert instants == sorted(instants) and len(set(instants)) == 6
    for day, due in posts:
        assert due.astimezone(ZoneInfo(zone)).date() == day


def test_configured_after_todays_time_first_posts_tomorrow() -> None:
    zone = ZoneInfo("America/New_York")
    configured = datetime(2024, 6, 3, 10, 0, tzinfo=zone)
    sched = Schedule(at=time(9, 0), zone=zone, effective_from=configured.astimezone(UTC))
    assert next_post(sched, configured.astimezone(UTC), set()) == (date(2024, 6, 4), utc(2024, 6, 4, 13, 0))
    earlier = Schedule(at=time(11, 0), zone=zone, effective_from=configured.astimezone(UTC))
    assert next_post(earlier, configured.astimezone(UTC), set()) == (date(2024, 6, 3), utc(2024, 6, 3, 15, 0))


def test_next_post_looks_back_one_day_for_catch_up() -> None:
    zone = ZoneInfo("Europe/London")
    sched = Schedule(at=time(23, 0), zone=zone, effective_from=utc(2024, 1, 1))
    now = utc(2024, 6, 4, 1, 0)  # 02:00 BST on the 4th; the 3rd's 23:00 BST was 3 h ago
    assert next_post(sched, now, set()) == (date(2024, 6, 3), utc(2024, 6, 3, 22, 0))
    assert upcoming_post(sched, now, set()) == (date(2024, 6, 3), utc(2024, 6, 3, 22, 0))
    later = utc(2024, 6, 4, 5, 0)  # 7 h late: no longer expected
    assert upcoming_post(sched, later, set()) == (date(2024, 6, 4), utc(2024, 6, 4, 22, 0))


def test_catch_up_boundary() -> None:
    due = utc(2024, 6, 3, 9, 0)
    assert catch_up_allowed(due, due + timedelta(hours=5, minutes=59))
    assert not catch_up_allowed(due, due + timedelta(hours=6))
    assert not catch_up_allowed(due, due + timedelta(hours=6, minutes=1))


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(
        [
            "America/New_York",
            "Europe/London",
            "Australia/Lord_Howe",
            "Asia/Kathmandu",
            "America/Santiago",
            "Pacific/Chatham",
            "Africa/Casablanca",
            "America/Havana",
        ]
    ),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2037, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
)
def test_due_instant_is_the_wall_time_or_the_first_valid_minute_after(
    zone: str, day: date, hour: int, minute: int
) -> None:
    tz = ZoneInfo(zone)
    wall = datetime.combine(day, time(hour, minute))
    due = due_instant(day, time(hour, minute), tz)
    local = due.astimezone(tz).replace(tzinfo=None)
    assert local >= wall
    for m in range((local - wall) // timedelta(minutes=1)):
        probe = wall + timedelta(minutes=m)
        back = probe.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        assert back != probe, f"{probe} exists but was skipped"
    if local == wall:
        earlier = [wall.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1)]
        assert due == min(e for e in earlier if e.astimezone(tz).replace(tzinfo=None) == wall)


@pytest.mark.parametrize(
    "text", ["25:00", "9am", "", "   ", "24:00", "12:60", "1230", "12:3", "noon", "-1:00"]
)
def test_bad_times_are_refused_with_what_is_accepted(text: str) -> None:
    with pytest.raises(ScheduleError) as err:
        parse_hhmm(text)
    assert "HH:MM" in str(err.value) or "00 to 23" in str(err.value)


@pytest.mark.parametrize(
    ("text", "expected"), [("09:00", time(9)), ("9:05", time(9, 5)), ("23:59", time(23, 59))]
)
def test_good_times(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


def test_zones() -> None:
    assert parse_zone("America/New_York").key == "America/New_York"
    assert parse_zone("america/new york").key == "America/New_York"
    for bad in ["Mars/Base", "", "../../etc/passwd", "EST5EDT "]:
        with pytest.raises(ScheduleError):
            parse_zone(bad)
    assert "Asia/Kathmandu" in timezone_names() and "Mars/Base" not in timezone_names()


def test_nonce_is_stable_short_and_distinct() -> None:
    a = post_nonce(1234567890123456789, date(2024, 6, 3))
    assert a == post_nonce(1234567890123456789, date(2024, 6, 3))
    assert len(a) <= 25
    assert a != post_nonce(1234567890123456789, date(2024, 6, 4))
    assert a != post_nonce(1234567890123456788, date(2024, 6, 3))
