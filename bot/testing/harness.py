"""Run the real Steady against the local Discord server: in this process, or as a killable subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import discord
import yarl

from bot.clock import Clock, SystemClock
from bot.content import DATA_DIR
from bot.settings import Settings
from bot.testing.discord_server import App, DiscordServer


def split_cores() -> tuple[set[int], set[int]] | None:
    """For benchmarks: one core for the local Discord and the load it sends, another for the bot being
    measured (every bot compared gets the same one), so neither waits on the other's scheduling. None when
    this machine has fewer than two cores or cannot pin processes."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None
    return {cores[0]}, {cores[1]}


def pinned(cores: set[int] | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` that runs a child process (and every thread it starts) on ``cores``."""
    if cores is None:
        return None
    return lambda: os.sched_setaffinity(0, cores)


@contextlib.contextmanager
def collector_held() -> Iterator[None]:
    """For a benchmark's burst: the local Discord keeps every request it saw, so its own full garbage
    collections grow long and would land in whichever bot's burst was running. Collect between bursts."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def point_discord_at(server: DiscordServer) -> None:
    """discord.py keeps its REST and gateway addresses in class attributes; aim them at ``server``."""
    discord.http.Route.BASE = server.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)


@dataclass
class RunningBot:
    """An in-process bot and the task running it."""

    bot: discord.Client
    task: asyncio.Task[None]

    async def stop(self) -> None:
        await self.bot.close()
        try:
            await asyncio.wait_for(self.task, 10)
        except (asyncio.CancelledError, TimeoutError):
            self.task.cancel()


async def start_bot(
    server: DiscordServer,
    database_path: Path,
    *,
    clock: Clock | None = None,
    data_dir: Path = DATA_DIR,
    app: App | None = None,
    dev_guild_id: int | None = None,
    shard_count: int | None = None,
    shard_ids: tuple[int, ...] | None = None,
    database_url: str | None = None,
    metrics_address: tuple[str, int] | None = None,
) -> RunningBot:
    """Start SteadyBot (sharded when ``shard_count`` is given) against ``server``; return once ready."""
    from bot.client import bot_class

    app = app or server.app
    point_discord_at(server)
    settings = Settings(
        token=app.token,
        database_path=database_path,
        api_base=server.api_base,
        gateway_url=server.gateway_url,
        dev_guild_id=dev_guild_id,
        database_url=database_url,
        shard_count=shard_count,
        shard_ids=shard_ids,
        metrics_address=metrics_address,
    )
    bot = bot_class(settings)(settings, clock=clock, data_dir=data_dir, guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start(app.token))
    waiter = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, waiter}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        waiter.cancel()
        await bot.close()  # release what setup_hook opened (the database's thread) before reporting why
        task.result()
        raise RuntimeError("the bot stopped before it was ready")
    if waiter not in done:
        task.cancel()
        raise TimeoutError("the bot did not become ready in 20 s")
    return RunningBot(bot, task)


class BotProcess:
    """``python -m bot`` as a child process, configured only through its environment, as in production."""

    def __init__(
        self,
        server: DiscordServer,
        database_path: Path,
        *,
        clock_offset: timedelta | None = None,
        cores: set[int] | None = None,
        **env: str,
    ) -> None:
        self.server = server
        self.cores = cores
        self.database_path = database_path
        self.clock_offset = clock_offset
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None
        self.stderr_path = database_path.with_suffix(".log")

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "STEADY_"))}
        env.update(
            DISCORD_TOKEN=self.server.app.token,
            DISCORD_API_BASE=self.server.api_base,
            DISCORD_GATEWAY_URL=self.server.gateway_url,
            DATABASE_PATH=str(self.database_path),
            LOG_LEVEL=env.get("LOG_LEVEL", "INFO"),
            PYTHONUNBUFFERED="1",
        )
        if self.clock_offset is not None:
            env["STEADY_CLOCK_START"] = (SystemClock().now() + self.clock_offset).isoformat()
        env.update(self.env)
        return env

    async def start(self, timeout: float = 30) -> None:
        self.server.ready_events[self.server.app.token].clear()
        log = self.stderr_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            env=self.environment(),
            stdout=log,
            stderr=log,
            cwd=str(Path(__file__).resolve().parents[2]),
            preexec_fn=pinned(self.cores),
        )
        log.close()
        ready = asyncio.create_task(self.server.wait_ready(timeout=timeout))
        exited = asyncio.create_task(self.proc.wait())
        done, _ = await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited in done:
            ready.cancel()
            raise RuntimeError(f"the bot exited with {self.proc.returncode}: {self.log()[-2000:]}")
        exited.cancel()
        ready.result()

    def log(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    async def kill(self) -> None:
        """SIGKILL: no cleanup of any kind, as when a host dies."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def terminate(self, timeout: float = 15) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def ensure_stopped(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            await self.kill()
