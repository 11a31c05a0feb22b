"""`/config mod-channel`, and Steady's notices there: shared moments waiting, and ones marked for care.

A notice carries a count and a button, never a member's words; mentions are off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot import care
from bot.client import SteadyBot, cancel_quietly, send_ephemeral
from bot.modnotice import NOTICE_EVERY, ModChannelStore, waiting_notice_due
from cogs._config import NOT_MANAGER, bind_config, config_group
from cogs._views import ButtonRow, Guarded, find_cog

log = logging.getLogger("steady.care")
NO_PINGS = discord.AllowedMentions.none()
RETRY_AFTER = timedelta(minutes=15)


class ModReviewButton(Guarded, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"steady:modreview"):
    """Opens the review queue, privately, for a moderator; works after a restart."""

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label="Review shared moments", style=discord.ButtonStyle.primary, custom_id="steady:modreview"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ModReviewButton:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None or not interaction.permissions.manage_guild:
            await send_ephemeral(interaction, NOT_MANAGER)
            return
        moments = find_cog(interaction.client, "QuietMoments")
        if moments is None:
            await send_ephemeral(interaction, "Shared moments are resting for a moment; please try later.")
            return
        embed, view = await moments.review_page(interaction.guild_id)
        await interaction.response.send_message(
            embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS
        )


def plural(n: int) -> str:
    return "1 shared moment is" if n == 1 else f"{n} shared moments are"


class Care(commands.Cog):
    """Moderators hear that something waits; the words stay in the review queue."""

    stores_user_data = False

    def __init__(self, bot: SteadyBot) -> None:
        self.bot = bot
        care.use(care.load_care(bot.data_dir / "care.toml"))  # checked at start, read from memory after
        self.store = ModChannelStore(bot.db)
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._failed_at: dict[int, datetime] = {}

    async def cog_load(self) -> None:
        bind_config(self)
        self.bot.add_dynamic_items(ModReviewButton)
        self._task = asyncio.create_task(self._watch(), name="mod-notices")

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ModReviewButton)
        await cancel_quietly(self._task)
        self._task = None

    async def delete_guild_data(self, guild_id: int) -> int:
        return await self.store.delete_guild(guild_id)

    @config_group.command(
        name="mod-channel", description="Where Steady tells moderators that shared moments wait for review"
    )
    @app_commands.describe(
        channel="A channel your moderators read; Steady posts a count there, never the text"
    )
    async def config_mod_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        assert interaction.guild_id is not None
        me = channel.guild.me
        if me is not None:
            perms = channel.permissions_for(me)
            lacking = [
                n
                for n, ok in (("View Channel", perms.view_channel), ("Send Messages", perms.send_messages))
                if not ok
            ]
            if lacking:
                await send_ephemeral(
                    interaction,
                    f"I can't post in {channel.mention} yet: I need "
                    + " and ".join(f"**{n}**" for n in lacking)
                    + " there. Please adjust the channel's permissions (or pick another channel) and "
                    "try again. Nothing was changed.",
                )
                return
        await self.store.set(interaction.guild_id, channel.id, self.bot.clock.now())
        hours = int(NOTICE_EVERY.total_seconds() // 3600)
        await send_ephemeral(
            interaction,
            f"Done. I'll tell moderators in {channel.mention} when shared moments wait for review (a count "
            f"and a button, at most once every {hours} hours), and straight away when one is marked for "
            "care. I never post what people wrote, and I ping no one.",
        )

    @commands.Cog.listener()
    async def on_steady_submission(self, guild_id: int, author_id: int, marked: bool) -> None:
        try:
            if marked:
                await self._care_notice(guild_id, author_id)
            else:
                await self._maybe_notify(guild_id)
        except Exception:
            log.exception("could not tell the moderators of server %s", guild_id)
        self._wake.set()

    async def _care_notice(self, guild_id: int, author_id: int) -> None:
        """At once, whatever the last notice: someone may be struggling."""
        channel = await self.store.get(guild_id)
        if channel is None:
            return
        count, _ = await self.store.pending(guild_id)
        text = (
            f"A shared moment from <@{author_id}> was **marked for care**: its words suggest they may be "
            "going through something hard. They have been shown crisis lines, privately. A kind, private "
            "check-in from someone they trust could mean a lot. It waits in the review queue "
            f"({plural(count)} waiting), and nothing is posted unless a moderator approves it."
        )
        if await self._post(guild_id, channel.channel_id, text):
            await self.store.mark_noticed(guild_id, self.bot.clock.now())

    async def _maybe_notify(self, guild_id: int) -> None:
        channel = await self.store.get(guild_id)
        if channel is None:
            return
        count, newest = await self.store.pending(guild_id)
        now = self.bot.clock.now()
        failed = self._failed_at.get(guild_id)
        if not waiting_notice_due(channel, newest, now) or (failed and now - failed < RETRY_AFTER):
            return
        text = f"{plural(count)} waiting for review. Open them with the button below or `/config review`."
        if await self._post(guild_id, channel.channel_id, text):
            await self.store.mark_noticed(guild_id, now)

    async def _post(self, guild_id: int, channel_id: int, text: str) -> bool:
        target = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            await target.send(text, view=ButtonRow(ModReviewButton()), allowed_mentions=NO_PINGS)
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.info("could not post a moderator notice in server %s: %s", guild_id, type(exc).__name__)
            self._failed_at[guild_id] = self.bot.clock.now()
            return False
        self._failed_at.pop(guild_id, None)
        return True

    async def _watch(self) -> None:
        """Submissions that arrived inside the quiet window get their notice when it ends: sleep until the
        earliest such moment, or until a new submission arrives."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.bot.wait_until_ready(), 60)
        while True:
            try:
                due = await self._next_due()
                later = [when for when in due if when is not None]
                if due.get(None):  # notify now; if a post fails, look again in a while, not in a loop
                    for guild_id in due[None]:
                        await self._maybe_notify(guild_id)
                    later.append(self.bot.clock.now() + RETRY_AFTER)
                await self._sleep(min(later) if later else None)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("checking for waiting submissions failed; trying again later")
                await self._sleep(self.bot.clock.now() + RETRY_AFTER)

    async def _next_due(self) -> dict[Any, list[int]]:
        """Servers whose waiting notice is due now (key None) or at a later instant."""
        due: dict[Any, list[int]] = {}
        now = self.bot.clock.now()
        for channel in await self.store.all():
            _, newest = await self.store.pending(channel.guild_id)
            if newest is None or (channel.last_notice_at and newest <= channel.last_notice_at):
                continue
            last = channel.last_notice_at
            when = None if last is None or waiting_notice_due(channel, newest, now) else last + NOTICE_EVERY
            due.setdefault(when, []).append(channel.guild_id)
        return due

    async def _sleep(self, until: Any) -> None:
        """Until ``until`` on the bot's clock (None: indefinitely), or until a submission wakes us."""
        self._wake.clear()
        waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._wake.wait())]
        if until is not None:
            waits.append(asyncio.ensure_future(self.bot.clock.sleep_until(until)))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()


async def setup(bot: SteadyBot) -> None:
    await bot.add_cog(Care(bot))
