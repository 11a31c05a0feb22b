"""A local stand-in for Discord's REST API and gateway, enough for an unmodified discord.py client.

It keeps guilds, channels, members, messages and commands in memory, records every request,
drives interactions the way Discord does, and can inject the faults Discord has on a bad day.

The fake Discord is built in layers, one module per concern: ``_world`` (what it remembers),
``_gateway`` (the websocket), ``_interactions`` (what a person does), ``_faults`` (what goes
wrong), ``_rest`` (the HTTP routes) and ``_limits`` (Discord's size limits); this module runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable

from aiohttp import web

from bot.testing._faults import Fault, LostResponse
from bot.testing._interactions import InteractionResult
from bot.testing._limits import EMBED_LIMITS, FIELD_LIMITS, buttons_of, check_limits, text_of
from bot.testing._rest import Rest
from bot.testing._world import (
    DISCORD_EPOCH_MS,
    EPHEMERAL,
    App,
    Channel,
    ClockLike,
    Guild,
    Request,
    User,
    snowflake,
    snowflake_time,
)

__all__ = [
    "DISCORD_EPOCH_MS",
    "EMBED_LIMITS",
    "EPHEMERAL",
    "FIELD_LIMITS",
    "App",
    "Channel",
    "ClockLike",
    "DiscordServer",
    "Fault",
    "Guild",
    "InteractionResult",
    "LostResponse",
    "Request",
    "User",
    "buttons_of",
    "check_limits",
    "snowflake",
    "snowflake_time",
    "text_of",
]


class DiscordServer(Rest):
    """An aiohttp app on 127.0.0.1: REST under ``/api/v10`` and the gateway at ``/gateway``."""

    def __init__(self) -> None:
        super().__init__()
        self._runner: web.AppRunner | None = None

    async def start(self, port: int = 0) -> None:
        application = web.Application(client_max_size=32 * 1024 * 1024)
        application.router.add_get("/gateway", self._gateway)
        application.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(application, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for sockets in list(self._sockets.values()):
            for conn, _ in list(sockets):
                await conn.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def requests_to(self, method: str, pattern: str) -> list[Request]:
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method and regex.search(r.path)]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10) -> None:
        """Wait until ``predicate()`` holds, re-checking after every request the bot makes."""
        async with asyncio.timeout(timeout):
            while not predicate():
                event = self._request_event
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), 0.05)
