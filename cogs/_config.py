"""The shared `/config` group: every feature adds its admin subcommands here, all behind Manage Server."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import UserFacingCheckFailure

# The choice names people see for a region; the values stay the codes that are stored and in PRODUCT.md.
REGION_NAMES = {
    "US": "United States",
    "CA": "Canada",
    "UK": "United Kingdom",
    "IE": "Ireland",
    "AU": "Australia",
    "NZ": "New Zealand / Aotearoa",
    "IN": "India",
    "INTL": "International (anywhere else)",
}
REGION_CHOICES = [app_commands.Choice(name=name, value=code) for code, name in REGION_NAMES.items()]

NOT_MANAGER = "Only people with the **Manage Server** permission can change Steady's settings here."


class ConfigGroup(app_commands.Group):
    """Checks Manage Server at run time too, since a server can override the default permission."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.guild is None:
            raise UserFacingCheckFailure("Settings are per server: please use `/config` inside a server.")
        if not interaction.permissions.manage_guild:
            raise UserFacingCheckFailure(NOT_MANAGER)
        return True

    def add_command(
        self, command: app_commands.Command[Any, Any, Any] | app_commands.Group, /, *, override: bool = False
    ) -> None:
        """Replace on re-import: an extension reloaded in the same process redefines its commands."""
        super().add_command(command, override=True)


config_group = ConfigGroup(
    name="config",
    description="Set up Steady for this server (Manage Server)",
    guild_only=True,
    allowed_contexts=app_commands.AppCommandContext(guild=True),
    default_permissions=discord.Permissions(manage_guild=True),
)


def bind_config(cog: commands.Cog) -> None:
    """Bind the config subcommands defined in ``cog``'s class body to this cog instance, and
    register the group with the bot's tree (once)."""
    owner = type(cog).__qualname__
    for command in config_group.walk_commands():
        if isinstance(command, app_commands.Command) and command.callback.__qualname__.startswith(
            f"{owner}."
        ):
            command.binding = cog
    bot = getattr(cog, "bot", None)
    if isinstance(bot, commands.Bot) and bot.tree.get_command("config") is None:
        bot.tree.add_command(config_group)
