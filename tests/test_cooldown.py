"""Cooldowns count only the window, and say exactly when the next try is allowed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.cooldown import Cooldown, next_allowed

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def test_next_allowed() -> None:
    times = [T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)]
    assert next_allowed(times[:2], 3, DAY, T0 + timedelta(hours=3)) is None
    assert next_allowed(times, 3, DAY, T0 + timedelta(hours=3)) == T0 + DAY
    assert next_allowed(times, 3, DAY, T0 + DAY) is None


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=60))
def test_cooldown_never_allows_more_than_limit_in_any_window(offsets: list[int]) -> None:
    cooldown = Cooldown(3, timedelta(seconds=600))
    allowed: list[datetime] = []
    for offset in sorted(offsets):
        now = T0 + timedelta(seconds=offset)
        again = cooldown.hit(7, now)
        if again is None:
            allowed.append(now)
        else:
            assert again > now
    for when in allowed:
        assert sum(1 for t in allowed if when <= t < when + timedelta(seconds=600)) <= 3
