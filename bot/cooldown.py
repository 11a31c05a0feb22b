"""Gentle limits on how often one person can repeat an action, measured on the injected clock."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta


def next_allowed(times: Iterable[datetime], limit: int, window: timedelta, now: datetime) -> datetime | None:
    """None if another action is allowed now; otherwise the instant the oldest one in the window expires."""
    recent = sorted(t for t in times if now - t < window)
    if len(recent) < limit:
        return None
    return recent[-limit] + window


class Cooldown:
    """An in-memory sliding window per key, for limits that need not survive a restart."""

    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[datetime]] = {}

    def hit(self, key: int, now: datetime) -> datetime | None:
        """Record an attempt; returns when to try again if it is over the limit (and then records nothing)."""
        seen = self._seen.setdefault(key, deque())
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        blocked = next_allowed(seen, self.limit, self.window, now)
        if blocked is None:
            seen.append(now)
        return blocked
