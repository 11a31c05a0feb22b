"""The repeat rule: the same answer asked for again in the same channel within a few minutes goes only to
the asker, with a link to the earlier one, so a busy channel isn't filled with copies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

REPEAT_WINDOW = timedelta(minutes=5)
MAX_REMEMBERED = 4096


@dataclass(frozen=True, slots=True)
class EarlierAnswer:
    at: datetime
    link: str


class RecentAnswers:
    """Public answers per (channel, topic), in memory: after a restart the worst case is one extra copy."""

    def __init__(self, window: timedelta = REPEAT_WINDOW) -> None:
        self.window = window
        self._posted: dict[tuple[int, str], EarlierAnswer] = {}

    def earlier(self, channel_id: int, key: str, now: datetime) -> EarlierAnswer | None:
        """The answer to ``key`` posted in this channel within the window, if any."""
        found = self._posted.get((channel_id, key))
        if found is None or now - found.at >= self.window or now < found.at:
            return None
        return found

    def record(self, channel_id: int, key: str, now: datetime, link: str) -> None:
        if len(self._posted) >= MAX_REMEMBERED:
            self._posted = {k: v for k, v in self._posted.items() if now - v.at < self.window}
            if len(self._posted) >= MAX_REMEMBERED:
                self._posted.clear()
        self._posted[(channel_id, key)] = EarlierAnswer(now, link)
