"""The Steady bot: owns the settings, the clock and the database, and loads every feature from `cogs/`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pkgutil
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import metrics
from bot.clock import Clock, SystemClock
from bot.content import DATA_DIR, ContentError
from bot.database import Database
from bot.guild_settings import GuildSettingsStore
from bot.settings import Settings, SettingsError
from bot.shards import ShardPlan, SingleProcessLock

log = logging.getLogger("steady.client")
COGS_PACKAGE = "cogs"
DRAIN_TIMEOUT = 10.0  # seconds in-flight work may take to finish at shutdown
RECEIVED = "steady.received"  # key in Interaction.extras: the event loop's time when it arrived


class UserFacingCheckFailure(app_commands.CheckFailure):
    """A refused command whose message is meant for the person who tried it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.user_message = message


class SteadyTree(app_commands.CommandTree["SteadyBot"]):
    """Turns every failure into a kind ephemeral reply, and logs ids and outcomes only."""

    async def _call(self, interaction: discord.Interaction[SteadyBot]) -> None:
        """Counts each command answered and how long it took, here rather than in an
        ``on_app_command_completion`` listener, which would cost an extra task per interaction."""
        await super()._call(interaction)
        command = interaction.command
        if (
            interaction.type is discord.InteractionType.application_command
            and command is not None
            and not interaction.command_failed
        ):
            name = command.qualified_name
            metrics.command_done(name)
            started = interaction.extras.get(RECEIVED)
            if started is not None and interaction.response.is_done():
                metrics.ACK_SECONDS.observe(asyncio.get_running_loop().time() - started)
            log.info("command %s done (user %s, guild %s)", name, interaction.user.id, interaction.guild_id)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if isinstance(error, UserFacingCheckFailure):
            message = error.user_message
        elif isinstance(error, app_commands.NoPrivateMessage):
            message = "That command works inside a server, not in DMs."
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            metrics.INTERACTIONS.labels(command, "error").inc()
            log.error(
                "command %s failed (user %s, guild %s)",
                command,
                interaction.user.id,
                interaction.guild_id,
                exc_info=error,
            )
            message = (
                "Something went wrong on my side, and nothing was changed. Please try again in a moment."
            )
        await send_ephemeral(interaction, message)


async def cancel_quietly(task: asyncio.Task[Any] | None) -> None:
    """Stop a feature's background task at unload, whatever it was doing."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def send_ephemeral(interaction: discord.Interaction, content: str, **kwargs: Any) -> None:
    """Reply privately, whether or not the interaction has been answered already."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=True, **kwargs)
        else:
            await interaction.response.send_message(content, ephemeral=True, **kwargs)
    except discord.HTTPException:
        log.warning("could not send an ephemeral reply for interaction %s", interaction.id)


SOMETHING_WRONG = "Something went wrong on my side; nothing you did was lost, please try again."
Click = Callable[[discord.Interaction, re.Match[str]], Awaitable[None]]


def custom_id_of(interaction: discord.Interaction) -> str | None:
    """The custom id of the button or select an interaction came from, if any."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = data.get("custom_id")
    return custom_id if isinstance(custom_id, str) else None


async def component_failed(interaction: discord.Interaction, error: BaseException) -> None:
    """A button or select failed (a database or Discord error): log ids only, answer privately."""
    log.error(
        "component %s failed (user %s, guild %s)",
        (custom_id_of(interaction) or "?").split(":")[:2],
        interaction.user.id,
        interaction.guild_id,
        exc_info=error,
    )
    await send_ephemeral(interaction, SOMETHING_WRONG)


class SteadyBot(commands.Bot):
    """A bot with no privileged intents and mentions off by default."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        data_dir: Path = DATA_DIR,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=SteadyTree,
            guild_ready_timeout=guild_ready_timeout,
            **sharding(settings),
        )
        self.settings = settings
        self.shard_plan = ShardPlan(settings.shard_count, settings.shard_ids)
        self._sqlite_lock: SingleProcessLock | None = None
        self._metrics_server: Any = None
        self.clock: Clock = clock or SystemClock()
        self.data_dir = data_dir
        self._db: Database | None = None
        self._clicks: list[tuple[re.Pattern[str], Click]] = []
        self._clicking: set[asyncio.Task[None]] = set()
        self.synced_commands: list[app_commands.AppCommand] = []

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the database is opened in setup_hook")
        return self._db

    @property
    def guild_settings(self) -> GuildSettingsStore:
        return GuildSettingsStore(self.db)

    async def setup_hook(self) -> None:
        self._start_metrics()
        from bot.postgres import open_database

        if not self.settings.database_url:
            self._sqlite_lock = SingleProcessLock(self.settings.database_path)
            self._sqlite_lock.acquire()
        self._db = await open_database(self.settings.database_url, self.settings.database_path)
        for name in extension_names():
            try:
                await self.load_extension(name)
            except commands.ExtensionFailed as exc:
                if isinstance(exc.original, ContentError):
                    raise exc.original from None
                raise
        await self.sync_commands()

    async def sync_commands(self) -> None:
        if self.settings.dev_guild_id:
            guild = discord.Object(self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            self.synced_commands = await self.tree.sync(guild=guild)
        else:
            self.synced_commands = await self.tree.sync()
        log.info("synced %d application commands", len(self.synced_commands))

    def add_click_route(self, pattern: re.Pattern[str], handler: Click) -> None:
        """Send every click whose custom id matches ``pattern`` straight to ``handler``: the id carries all
        the state, so this works after a restart. Unlike a DynamicItem, discord.py does not rebuild the
        clicked message as a view first (for the self-check's flat-out clicking, a sixth of the CPU)."""
        self._clicks.append((pattern, handler))

    def remove_click_route(self, pattern: re.Pattern[str]) -> None:
        self._clicks = [(p, h) for p, h in self._clicks if p != pattern]

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """discord.py calls this as it reads each interaction, so the time noted here is when it arrived.
        After close nothing is dispatched: discord.py can still finish a pending "ready" then, with no loop
        left to run it on (a bot stopped within two seconds of connecting logged that error)."""
        if self.is_closed():
            return
        if event_name == "interaction":
            args[0].extras[RECEIVED] = asyncio.get_running_loop().time()
            if self._clicks:
                self._route_click(args[0])
        super().dispatch(event_name, *args, **kwargs)

    def _route_click(self, interaction: discord.Interaction) -> None:
        custom_id = custom_id_of(interaction)
        if interaction.type is not discord.InteractionType.component or custom_id is None:
            return
        for pattern, handler in self._clicks:
            found = pattern.fullmatch(custom_id)
            if found is not None:
                task = asyncio.create_task(_click(handler, interaction, found), name="steady-click")
                self._clicking.add(task)
                task.add_done_callback(self._clicking.discard)
                return

    async def on_ready(self) -> None:
        log.info("ready as user %s in %d servers", self.user.id if self.user else "?", len(self.guilds))

    def _start_metrics(self) -> None:
        metrics.count_rate_limits()
        metrics.watch_bot(metrics.BotCollector(lambda: len(self.guilds), self.shard_states))
        address = self.settings.metrics_address
        if address is not None and self._metrics_server is None:
            try:
                self._metrics_server = metrics.serve(address)
            except OSError as exc:
                raise SettingsError(
                    f"METRICS_ADDRESS {address[0]}:{address[1]} cannot be used ({exc.strerror}); "
                    "choose a free HOST:PORT"
                ) from None
            log.info("metrics at http://%s:%d/metrics", *address)

    def shard_states(self) -> list[tuple[int, float, bool]]:
        """(shard id, heartbeat latency, connected) for each shard this process runs."""
        shards = getattr(self, "shards", None)
        if isinstance(shards, dict):
            return [(i, info.latency, not info.is_closed()) for i, info in shards.items()]
        return [(self.shard_id or 0, self.latency, self.is_ready() and not self.is_closed())]

    async def close(self) -> None:
        """Shut down in order: features stop starting new work and let what is under way finish
        (bounded), then commands.Bot.close unloads the features and closes the gateway, queued self-check
        answers are written, and last the database is closed under its write lock."""
        for cog in list(self.cogs.values()):
            drain = getattr(cog, "drain", None)
            if drain is not None:
                try:
                    await drain(DRAIN_TIMEOUT)
                except Exception:
                    log.exception("letting %s finish failed", type(cog).__name__)
        if self._clicking:
            await asyncio.wait(set(self._clicking), timeout=DRAIN_TIMEOUT)
        await super().close()
        if self._db is not None:
            from bot.selfcheck.store import flush_writes

            try:
                await asyncio.wait_for(flush_writes(self._db), DRAIN_TIMEOUT)
            except Exception:
                log.exception("self-check answers still queued at shutdown could not be written")
            await self._db.close()
            self._db = None
        if self._sqlite_lock is not None:
            self._sqlite_lock.release()
            self._sqlite_lock = None
        if self._metrics_server is not None:
            self._metrics_server.shutdown()
            self._metrics_server.server_close()
            self._metrics_server = None


async def _click(handler: Click, interaction: discord.Interaction, found: re.Match[str]) -> None:
    """Every routed click shares the one error path: a private, kind reply, never "This interaction
    failed"."""
    try:
        await handler(interaction, found)
    except Exception as exc:
        await component_failed(interaction, exc)


class ShardedSteadyBot(SteadyBot, commands.AutoShardedBot):
    """SteadyBot running the shards SHARD_COUNT / SHARD_IDS name, all in this one process."""


def sharding(settings: Settings) -> dict[str, Any]:
    """discord.py's shard options for the settings (none without SHARD_COUNT)."""
    if settings.shard_count is None:
        return {}
    ids = settings.shard_ids if settings.shard_ids is not None else range(settings.shard_count)
    return {"shard_count": settings.shard_count, "shard_ids": list(ids)}


def bot_class(settings: Settings) -> type[SteadyBot]:
    return ShardedSteadyBot if settings.shard_count is not None else SteadyBot


def extension_names() -> list[str]:
    """Every public module in `cogs/` is a feature extension."""
    import cogs

    return sorted(
        f"{COGS_PACKAGE}.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.name.startswith("_")
    )
