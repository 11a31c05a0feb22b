"""`/resources` and `/config region`: crisis and support lines for the person's own region."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import SteadyBot
from bot.regions import RegionChoice, UserRegionStore
from bot.resources import load_resources
from cogs._care import NO_PINGS, RegionPicker, picker_view, region_for, resources_embed
from cogs._config import REGION_CHOICES, bind_config, config_group


class Resources(commands.Cog):
    """Keeps each person's chosen region (shown and deleted by /mydata); the server's is in guild_settings."""

    user_data_name = "Support lines"

    def __init__(self, bot: SteadyBot) -> None:
        self.bot = bot
        self.regions = load_resources(bot.data_dir / "resources.toml")
        self.user_regions = UserRegionStore(bot.db)

    async def cog_load(self) -> None:
        bind_config(self)
        self.bot.add_dynamic_items(RegionPicker)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(RegionPicker)

    async def describe_user_data(self, user_id: int) -> list[str]:
        code = await self.user_regions.get(user_id)
        if code is None:
            return []
        return [f"Your region for support lines: {self.regions[code].name} (chosen with /resources)."]

    async def delete_user_data(self, user_id: int) -> int:
        return await self.user_regions.delete(user_id)

    async def delete_guild_data(self, guild_id: int) -> int:
        """The server's region lives in guild_settings, which the purge itself deletes."""
        return 0

    @app_commands.command(name="resources", description="Crisis and support lines, privately")
    @app_commands.describe(region="Your country or area; I'll remember it for you (/mydata deletes it)")
    @app_commands.choices(region=REGION_CHOICES)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def resources(
        self, interaction: discord.Interaction, region: app_commands.Choice[str] | None = None
    ) -> None:
        if region is not None and region.value in self.regions:
            await self.user_regions.set(interaction.user.id, region.value, self.bot.clock.now())
            choice = RegionChoice(region.value, "person")
            name = self.regions[region.value].name
            note = f"I'll remember **{name}** for you. `/mydata` shows and deletes it."
        else:
            choice = await region_for(self.bot, interaction.user.id, interaction.guild_id)
            note = None
        view = picker_view(self.bot, "lines", choice)
        kwargs: dict[str, Any] = {"view": view} if view.children else {}
        await interaction.response.send_message(
            content=note,
            embed=resources_embed(self.regions[choice.code], choice),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
            **kwargs,
        )

    @config_group.command(name="region", description="Which crisis lines /resources shows in this server")
    @app_commands.describe(region="The country or area whose support lines to show")
    @app_commands.choices(region=REGION_CHOICES)
    async def config_region(self, interaction: discord.Interaction, region: app_commands.Choice[str]) -> None:
        assert interaction.guild_id is not None
        await self.bot.guild_settings.set_region(interaction.guild_id, region.value)
        name = self.regions[region.value].name
        await interaction.response.send_message(
            f"Done. `/resources` now shows the support lines for **{name}** in this server, "
            "to everyone who hasn't chosen a region of their own.",
            ephemeral=True,
        )


async def setup(bot: SteadyBot) -> None:
    await bot.add_cog(Resources(bot))
