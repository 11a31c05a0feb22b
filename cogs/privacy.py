"""`/mydata`, and the lifecycle of a server's data after Steady is removed from it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import SteadyBot
from bot.privacy import (
    GuildDataOwner,
    UserDataOwner,
    delete_user,
    describe_user,
    guilds_known,
    mark_guild_present,
    mark_guild_removed,
    purge_removed_guilds,
)
from cogs._views import ButtonRow, Guarded

log = logging.getLogger("steady.privacy")
PURGE_EVERY = timedelta(hours=6)


def owners(bot: commands.Bot) -> list[UserDataOwner]:
    return [cog for cog in bot.cogs.values() if isinstance(cog, UserDataOwner)]


def guild_owners(bot: commands.Bot) -> list[GuildDataOwner]:
    return [cog for cog in bot.cogs.values() if isinstance(cog, GuildDataOwner)]


class MyDataButton(
    Guarded,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"steady:mydata:(?P<step>ask|yes|no)",
):
    """The delete flow's buttons; they act for whoever clicks, on that person's data only."""

    LABELS = {"ask": "Delete all my data", "yes": "Yes, delete everything", "no": "Keep my data"}
    STYLES = {
        "ask": discord.ButtonStyle.danger,
        "yes": discord.ButtonStyle.danger,
        "no": discord.ButtonStyle.secondary,
    }

    def __init__(self, step: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.LABELS[step], style=self.STYLES[step], custom_id=f"steady:mydata:{step}"
            )
        )
        self.step = step

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> MyDataButton:
        return cls(match["step"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = interaction.client
        assert isinstance(bot, SteadyBot)
        if self.step == "ask":
            view = ButtonRow()
            view.add_item(MyDataButton("yes"))
            view.add_item(MyDataButton("no"))
            await interaction.response.send_message(
                "This deletes everything Steady keeps about you, in every server and in DMs. "
                "It can't be undone. Are you sure?",
                view=view,
                ephemeral=True,
            )
        elif self.step == "yes":
            count = await delete_user(owners(bot), interaction.user.id)
            text = (
                "Done. Everything Steady kept about you has been deleted."
                if count
                else "There was nothing stored about you, so there was nothing to delete."
            )
            await interaction.response.edit_message(content=text, view=None, embed=None)
        else:
            await interaction.response.edit_message(content="Nothing was deleted.", view=None, embed=None)


class Privacy(commands.Cog):
    stores_user_data = False

    def __init__(self, bot: SteadyBot) -> None:
        self.bot = bot
        self._purger: asyncio.Task[None] | None = None
        self.purge_passes = 0

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(MyDataButton)
        self._purger = asyncio.create_task(self._purge_loop())

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(MyDataButton)
        if self._purger is not None:
            self._purger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._purger

    async def delete_guild_data(self, guild_id: int) -> int:
        return 0

    @app_commands.command(name="mydata", description="See what Steady keeps about you, and delete it")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def mydata(self, interaction: discord.Interaction) -> None:
        report = await describe_user(owners(self.bot), interaction.user.id)
        embed = discord.Embed(title="What Steady keeps about you", colour=discord.Colour.teal())
        if report.empty:
            embed.description = "Nothing at all. Steady keeps nothing about you right now."
            await interaction.response.send_message(embed=embed, ephemeral=True)
            return
        embed.description = "Only you can see this. Delete it all below, whenever you like."
        for name, lines in report.sections:
            if lines:
                embed.add_field(
                    name=name, value="\n".join(f"• {line}" for line in lines)[:1024], inline=False
                )
        view = ButtonRow()
        view.add_item(MyDataButton("ask"))
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await mark_guild_removed(self.bot.db, guild.id, self.bot.clock.now())
        log.info("removed from server %s; its data is kept for 30 days", guild.id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await mark_guild_present(self.bot.db, [guild.id], self.bot.clock.now())

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await mark_guild_present(self.bot.db, [guild.id], self.bot.clock.now())

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        await self._notice_removals_while_offline()

    async def _notice_removals_while_offline(self) -> None:
        """Servers that removed the bot while it was offline send no event; notice them once ready."""
        try:
            present = {g.id for g in self.bot.guilds}
            now = self.bot.clock.now()
            await mark_guild_present(self.bot.db, present, now)
            for guild_id in await guilds_known(self.bot.db) - present:
                await mark_guild_removed(self.bot.db, guild_id, now)
        except Exception:
            log.exception("could not record which servers Steady is in; will try again when ready")

    async def _purge_loop(self) -> None:
        """Runs as a task the cog cancels on unload, so it never outlives the database. Nothing in it can
        end it: every pass, the first included, is guarded."""
        await self.bot.wait_until_ready()
        while True:
            try:
                await purge_removed_guilds(self.bot.db, guild_owners(self.bot), self.bot.clock.now())
            except Exception:
                log.exception("purging removed servers failed; trying again later")
            self.purge_passes += 1
            await self.bot.clock.sleep_until(self.bot.clock.now() + PURGE_EVERY)


async def setup(bot: SteadyBot) -> None:
    await bot.add_cog(Privacy(bot))
