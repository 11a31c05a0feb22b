"""Persistent buttons: a view for rows of DynamicItems (registered in each cog's ``cog_load``), and the one
error path every button and select shares."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.ext import commands

from bot.client import send_ephemeral

log = logging.getLogger("steady.components")
COLOUR = discord.Colour.teal()  # every embed Steady sends
SOMETHING_WRONG = "Something went wrong on my side; nothing you did was lost, please try again."


async def component_failed(interaction: discord.Interaction, error: BaseException) -> None:
    """A button or select failed (a database or Discord error): log ids only, answer privately."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = data.get("custom_id", "?")
    log.error(
        "component %s failed (user %s, guild %s)",
        str(custom_id).split(":")[:2],
        interaction.user.id,
        interaction.guild_id,
        exc_info=error,
    )
    await send_ephemeral(interaction, SOMETHING_WRONG)


def find_cog(client: discord.Client, name: str) -> Any:
    """The loaded feature cog called ``name``, or None: how buttons and other features reach a feature.
    By name, not class: each extension loads as a fresh module, so another module's class would differ."""
    return client.get_cog(name) if isinstance(client, commands.Bot) else None


def _guard(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(fn)
    async def guarded(self: Any, interaction: discord.Interaction, *args: Any) -> Any:
        try:
            return await fn(self, interaction, *args)
        except Exception as exc:
            await component_failed(interaction, exc)
            if fn.__name__ == "from_custom_id":
                raise  # discord.py then drops the click; the person already has the reply
            return None

    return guarded


class Guarded:
    """Mixin for every DynamicItem: an error in ``from_custom_id`` or ``callback`` ends in the private
    SOMETHING_WRONG reply, never in Discord's "This interaction failed"."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "callback" in cls.__dict__:
            setattr(cls, "callback", _guard(cls.__dict__["callback"]))  # noqa: B010 (set on a mixin)
        factory = cls.__dict__.get("from_custom_id")
        if isinstance(factory, classmethod):
            setattr(cls, "from_custom_id", classmethod(_guard(factory.__func__)))  # noqa: B010


class ButtonRow(discord.ui.View):
    """Holds only DynamicItems. discord.py gives a view on an ephemeral reply a 15-minute timeout, and when
    a view that mixes dynamic and plain items expires it unregisters the dynamic templates bot-wide; a
    fully dynamic view unregisters nothing, so every button keeps working."""

    def __init__(self, *items: discord.ui.DynamicItem[Any]) -> None:
        super().__init__(timeout=None)
        for item in items:
            self.add_item(item)

    def add_item(self, item: discord.ui.Item[Any]) -> ButtonRow:
        if not isinstance(item, discord.ui.DynamicItem):
            raise TypeError("ButtonRow holds only DynamicItem buttons")
        super().add_item(item)
        return self
