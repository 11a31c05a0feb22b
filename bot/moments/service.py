"""Quiet moments' operations: each change is written and the runner told in one call, so none is forgotten.

Cogs call this service and never the runner; the runner only reads what the store holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import time

from bot.clock import Clock
from bot.moments.runner import Finder, MomentsRunner, Pacer, Sender
from bot.moments.store import MomentsConfig, MomentsStore, Submission

log = logging.getLogger("steady.moments")


class MomentsService:
    """The one owner of quiet-moments changes: configure, pause, resume, decide a share, forget a server."""

    def __init__(self, store: MomentsStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.runner: MomentsRunner | None = None

    def _notify(self, guild_id: int) -> None:
        if self.runner is not None:
            self.runner.notify(guild_id)

    async def configure(
        self, guild_id: int, channel_id: int, at: time, zone_name: str, thread: bool
    ) -> MomentsConfig:
        saved = await self.store.set_config(guild_id, channel_id, at, zone_name, thread, self.clock.now())
        self._notify(guild_id)
        return saved

    async def set_paused(self, guild_id: int, paused: bool) -> MomentsConfig | None:
        """Pause or resume; None when quiet moments aren't set up here. Resuming what runs writes nothing."""
        config = await self.store.get_config(guild_id)
        if config is None or (not paused and not config.paused):
            return config
        updated = await self.store.set_paused(guild_id, paused, self.clock.now())
        self._notify(guild_id)
        return updated

    async def decide(
        self, guild_id: int, submission_id: int, approve: bool, moderator_id: int
    ) -> Submission | None:
        """Approve (it joins the rotation) or reject a share; None if it was already decided. The runner
        needs no word: it reads the rotation when it posts, and the schedule is unchanged."""
        return await self.store.decide(guild_id, submission_id, approve, moderator_id, self.clock.now())

    async def delete_guild(self, guild_id: int) -> int:
        deleted = await self.store.delete_guild(guild_id)
        self._notify(guild_id)
        return deleted

    async def drain(self, timeout: float) -> None:
        """Shutdown: no new posts; those under way finish and are recorded (bounded by ``timeout``)."""
        if self.runner is not None and not await self.runner.drain(timeout):
            log.warning("quiet moment posts were still under way at shutdown; the next start checks them")

    async def supervise(
        self,
        sender: Sender,
        finder: Finder,
        pacer: Pacer,
        ready: Callable[[], Awaitable[object]],
        owns: Callable[[int], bool] | None = None,
    ) -> None:
        """Run the runner (for the servers ``owns`` accepts: this process's shards); if it ever dies of a
        bug, log it and start a fresh one from the database."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready(), 60)
        while True:
            self.runner = MomentsRunner(self.store, self.clock, sender, pacer=pacer, finder=finder, owns=owns)
            try:
                await self.runner.run()
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # an ExceptionGroup from the runner's task group
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                log.exception("the quiet moments runner stopped; restarting it in a minute")
                await asyncio.sleep(60)
