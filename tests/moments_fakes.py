"""A stand-in for Discord's message endpoint for the runner's unit tests: it honours nonces like Discord.

Like Discord, it remembers an enforced nonce only for ``nonce_window`` on the clock it is given (the
bot's), and it can store a message yet lose the response, so a resend after the window posts again
unless the runner looks in the channel first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bot.clock import Clock
from bot.moments.runner import PostFailure, PostRequest


@dataclass
class FakeMessage:
    id: int
    guild_id: int
    channel_id: int
    moment_key: str
    nonce: str
    at: datetime
    local_date: date


@dataclass
class FakeDiscord:
    """Records every message; a repeated nonce inside the window returns the first message instead."""

    messages: list[FakeMessage] = field(default_factory=list)
    attempts: list[PostRequest] = field(default_factory=list)
    lookups: list[PostRequest] = field(default_factory=list)
    failures: dict[int, PostFailure] = field(default_factory=dict)
    crash_after_store: BaseException | None = None
    clock: Clock | None = None
    nonce_window: timedelta = timedelta(minutes=5)
    lose_responses: int = 0
    _by_nonce: dict[tuple[int, str], FakeMessage] = field(default_factory=dict)
    _next_id: int = 1000

    def _now(self) -> datetime:
        return self.clock.now() if self.clock is not None else datetime.now(UTC)

    async def send(self, request: PostRequest) -> int:
        self.attempts.append(request)
        failure = self.failures.get(request.channel_id)
        if failure is not None:
            raise failure
        now = self._now()
        existing = self._by_nonce.get((request.channel_id, request.nonce))
        if existing is None or now - existing.at >= self.nonce_window:
            self._next_id += 1
            existing = FakeMessage(
                self._next_id,
                request.guild_id,
                request.channel_id,
                request.moment.key,
                request.nonce,
                now,
                request.local_date,
            )
            self.messages.append(existing)
            self._by_nonce[(request.channel_id, request.nonce)] = existing
        if self.crash_after_store is not None:
            crash, self.crash_after_store = self.crash_after_store, None
            raise crash
        if self.lose_responses > 0:
            self.lose_responses -= 1
            raise PostFailure("Could not reach Discord (ServerDisconnectedError).", transient=True)
        return existing.id

    async def find(self, request: PostRequest, since: datetime) -> int | None:
        """The channel's history read back: Steady's post of that date, recognised by its date marker."""
        self.lookups.append(request)
        for m in self.messages:
            if m.channel_id == request.channel_id and m.at >= since and m.local_date == request.local_date:
                return m.id
        return None

    def in_guild(self, guild_id: int) -> list[FakeMessage]:
        return [m for m in self.messages if m.guild_id == guild_id]
