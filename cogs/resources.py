"""`/resources` and `/config region`: crisis and support lines for the server's region."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import SteadyBot
from bot.resources import DEFAULT_REGION, Region, load_resources
from cogs._config import REGION_CHOICES, bind_config, config_group


def resources_embed(region: Region, *, in_dm: bool) -> discord.Embed:
    embed = discord.Embed(
        title=f"Support lines: {region.name}",
        description=(
            "If you or someone near you is in danger right now, contact emergency services. "
            f"{region.emergency}\n\nThese lines are free to reach and the people there want to hear from you."
        ),
        colour=discord.Colour.teal(),
    )
    for line in region.lines:
        hours = f" ({line.hours})" if line.hours else ""
        value = f"{line.description}\n" + "\n".join(f"• {how}" for how in line.how)
        embed.add_field(name=f"{line.name}{hours}", value=value[:1024], inline=False)
    newest = max(line.verified for line in region.lines)
    footer = f"Last checked {newest:%d %B %Y}."
    if in_dm:
        footer += (
            " Showing the default region; in a server, moderators choose the region with /config region."
        )
    embed.set_footer(text=footer)
    return embed


class Resources(commands.Cog):
    stores_user_data = False

    def __init__(self, bot: SteadyBot) -> None:
        self.bot = bot
        self.regions = load_resources(bot.data_dir / "resources.toml")

    async def cog_load(self) -> None:
        bind_config(self)

    async def delete_guild_data(self, guild_id: int) -> int:
        """The region lives in guild_settings, which the purge itself deletes."""
        return 0

    @app_commands.command(name="resources", description="Crisis and support lines, privately")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def resources(self, interaction: discord.Interaction) -> None:
        code = await self.bot.guild_settings.region(interaction.guild_id)
        region = self.regions.get(code, self.regions[DEFAULT_REGION])
        await interaction.response.send_message(
            embed=resources_embed(region, in_dm=interaction.guild_id is None), ephemeral=True
        )

    @config_group.command(name="region", description="Which crisis lines /resources shows in this server")
    @app_commands.describe(region="The country or area whose support lines to show")
    @app_commands.choices(region=REGION_CHOICES)
    async def config_region(self, interaction: discord.Interaction, region: app_commands.Choice[str]) -> None:
        assert interaction.guild_id is not None
        await self.bot.guild_settings.set_region(interaction.guild_id, region.value)
        name = self.regions[region.value].name
        await interaction.response.send_message(
            f"Done. `/resources` now shows the support lines for **{name}** in this server.", ephemeral=True
        )


async def setup(bot: SteadyBot) -> None:
    await bot.add_cog(Resources(bot))
