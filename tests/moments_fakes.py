"""A stand-in for Discord's message endpoint for the runner's unit tests: it honours nonces like Discord."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.moments.runner import PostFailure, PostRequest


@dataclass
class FakeMessage:
    id: int
    guild_id: int
    channel_id: int
    moment_key: str
    nonce: str


@dataclass
class FakeDiscord:
    """Records every message; a repeated nonce returns the first message instead of posting again."""

    messages: list[FakeMessage] = field(default_factory=list)
    attempts: list[PostRequest] = field(default_factory=list)
    failures: dict[int, PostFailure] = field(default_factory=dict)
    crash_after_store: BaseException | None = None
    _by_nonce: dict[tuple[int, str], FakeMessage] = field(default_factory=dict)
    _next_id: int = 1000

    async def send(self, request: PostRequest) -> int:
        self.attempts.append(request)
        failure = self.failures.get(request.channel_id)
        if failure is not None:
            raise failure
        existing = self._by_nonce.get((request.channel_id, request.nonce))
        if existing is None:
            self._next_id += 1
            existing = FakeMessage(
                self._next_id, request.guild_id, request.channel_id, request.moment.key, request.nonce
            )
            self.messages.append(existing)
            self._by_nonce[(request.channel_id, request.nonce)] = existing
        if self.crash_after_store is not None:
            crash, self.crash_after_store = self.crash_after_store, None
            raise crash
        return existing.id

    def in_guild(self, guild_id: int) -> list[FakeMessage]:
        return [m for m in self.messages if m.guild_id == guild_id]
