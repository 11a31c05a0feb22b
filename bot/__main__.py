"""`python -m bot` and the `steady` console script."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from datetime import timedelta

from bot.clock import SystemClock
from bot.content import ContentError
from bot.database import DatabaseError
from bot.logs import setup_logging
from bot.settings import Settings, SettingsError

log = logging.getLogger("bot")
EXIT_CONFIG = 2


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "sandbox":
        from bot.sandbox import main as sandbox_main

        return sandbox_main(args[1:])
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"steady: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    setup_logging(settings.log_level, [settings.token])
    tune_gc()
    try:
        asyncio.run(run(settings))
    except (SettingsError, ContentError, DatabaseError) as exc:
        print(f"steady: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        pass
    except Exception as exc:
        import discord

        if isinstance(exc, discord.LoginFailure):
            print(
                "steady: DISCORD_TOKEN was refused by Discord; copy it again (see .env.example)",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        raise
    return 0


async def run(settings: Settings) -> None:
    """Point discord.py at the configured endpoints, start, and close cleanly on SIGTERM/SIGINT."""
    import discord
    import yarl

    from bot.client import SteadyBot

    discord.http.Route.BASE = settings.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
    offset = settings.clock_start - SystemClock().now() if settings.clock_start else timedelta(0)
    bot = SteadyBot(settings, clock=SystemClock(offset), data_dir=settings.data_dir)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def request_stop() -> None:
        log.info("shutting down")
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, request_stop)
    async with bot:
        runner = asyncio.create_task(bot.start(settings.token))
        stopper = asyncio.create_task(stopping.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            stopper.cancel()
            runner.result()
        else:
            await bot.close()
            await runner


def tune_gc() -> None:
    """discord.py makes many short-lived objects per interaction; collecting the young generation less
    often roughly halves the collector's share of CPU per click (measured with bench/selfcheck.py)."""
    gc.set_threshold(50_000, 20, 100)


if __name__ == "__main__":
    sys.exit(main())
