"""`python -m bot` and the `steady` console script."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot import __version__
from bot.clock import SystemClock
from bot.content import ContentError
from bot.database import DatabaseError
from bot.logs import setup_logging
from bot.settings import Settings, SettingsError

log = logging.getLogger("steady.main")
EXIT_CONFIG = 2
RETRY_FIRST = 2.0
RETRY_MAX = 60.0
USAGE = f"""usage: steady [--help | --version | sandbox [--help] ...]

Steady {__version__}: a calm Discord bot for mental health technicians, students and their peers.

  steady            run the bot (python -m bot does the same)
  steady sandbox    try the whole bot offline in this terminal: no token, no network
                    (steady sandbox --help lists its options)
  steady migrate-to-postgres
                    copy the SQLite database into the empty PostgreSQL one at DATABASE_URL
  steady --version  print the version

Settings come from the environment and from a .env file in the working folder (the real
environment wins); the database defaults to data/steady.sqlite3, also relative to the working
folder. DISCORD_TOKEN is required; .env.example lists every setting.
"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "sandbox":
        from bot.sandbox import main as sandbox_main

        return sandbox_main(args[1:])
    if args and args[0] == "migrate-to-postgres":
        from bot.migrate_pg import main as migrate_main

        return migrate_main(args[1:])
    if args and args[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0
    if args and args[0] in ("-V", "--version"):
        print(f"steady {__version__}")
        return 0
    if args:
        print(f"steady: unknown argument {args[0]!r}; see steady --help", file=sys.stderr)
        return EXIT_CONFIG
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"steady: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    setup_logging(settings.log_level, [settings.token])
    from bot.postgres import describe

    dotenv = Path(".env")
    log.info(
        "Steady %s in %s (%s); database %s",
        __version__,
        Path.cwd(),
        ".env read from here" if dotenv.is_file() else "no .env here, using the environment",
        describe(settings.database_url) if settings.database_url else settings.database_path.resolve(),
    )
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

    from bot.client import bot_class

    if settings.database_url:
        from bot.postgres import check_reachable

        await check_reachable(settings.database_url)  # before Discord: a bad URL is a setting, not a retry
    discord.http.Route.BASE = settings.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
    offset = settings.clock_start - SystemClock().now() if settings.clock_start else timedelta(0)
    bot = bot_class(settings)(settings, clock=SystemClock(offset), data_dir=settings.data_dir)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def request_stop() -> None:
        log.info("shutting down")
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, request_stop)

    async def start() -> None:
        await login_with_retry(bot, settings.token)
        await bot.connect(reconnect=True)

    async with bot:
        runner = asyncio.create_task(start())
        stopper = asyncio.create_task(stopping.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            stopper.cancel()
            runner.result()
        else:
            await bot.close()
            runner.cancel()  # still waiting to reach Discord, perhaps
            with contextlib.suppress(asyncio.CancelledError):
                await runner


def unreachable(exc: BaseException) -> bool:
    """A network failure worth waiting out (no route, DNS, refused, Discord 5xx), not a bad setting."""
    import aiohttp
    import discord

    if isinstance(exc, discord.HTTPException):
        return exc.status >= 500
    return isinstance(exc, aiohttp.ClientConnectionError | OSError | TimeoutError)


async def login_with_retry(
    bot: Any,
    token: str,
    *,
    first: float = RETRY_FIRST,
    most: float = RETRY_MAX,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Log in, waiting out a missing network with one log line per try and growing pauses.

    A refused token (LoginFailure) still ends start-up. Only failures before the bot's own setup are
    retried: once its extensions are loading, repeating the login would load them twice.
    """
    from discord.utils import MISSING

    delay = first
    while True:
        try:
            await bot.login(token)
            return
        except Exception as exc:
            if not unreachable(exc) or bot.extensions:
                raise
            reason = " ".join(str(exc).split()) or type(exc).__name__
            log.warning("cannot reach Discord (%s); trying again in %.0f s", reason, delay)
        await bot.http.close()
        bot.http.connector = MISSING  # closed with the session; login makes a new one
        await sleep(delay)
        delay = min(delay * 2, most)


def tune_gc() -> None:
    """discord.py makes many short-lived objects per interaction; collecting the young generation less
    often roughly halves the collector's share of CPU per click (measured with bench/selfcheck.py)."""
    gc.set_threshold(50_000, 20, 100)


if __name__ == "__main__":
    sys.exit(main())
