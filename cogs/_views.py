"""Persistent buttons: a view for rows of DynamicItems (registered in each cog's ``cog_load``), and the one
error path every button and select shares."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.ext import commands

from bot.client import SOMETHING_WRONG, component_failed

__all__ = ["COLOUR", "SOMETHING_WRONG", "ButtonRow", "Guarded", "component_failed", "find_cog"]

COLOUR = discord.Colour.teal()  # every embed Steady sends


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
    """Holds only DynamicItems, whose templates each cog registers bot-wide, so the view itself never has
    to listen: it starts finished, and discord.py neither stores it nor starts a timeout task per message
    (a 15-minute timer for every ephemeral reply otherwise). A finished row is never changed by sending,
    so one can be built once and sent many times."""

    def __init__(self, *items: discord.ui.DynamicItem[Any]) -> None:
        self._rendered: list[dict[str, Any]] | None = None
        super().__init__(timeout=None)
        self.stop()
        for item in items:
            self.add_item(item)

    def add_item(self, item: discord.ui.Item[Any]) -> ButtonRow:
        if not isinstance(item, discord.ui.DynamicItem):
            raise TypeError("ButtonRow holds only DynamicItem buttons")
        super().add_item(item)
        self._rendered = None
        return self

    def remove_item(self, item: discord.ui.Item[Any]) -> ButtonRow:
        super().remove_item(item)
        self._rendered = None
        return self

    def clear_items(self) -> ButtonRow:
        super().clear_items()
        self._rendered = None
        return self

    def to_components(self) -> list[dict[str, Any]]:
        """Rendered once, not on every send of a row that is sent many times."""
        if self._rendered is None:
            self._rendered = super().to_components()
        return self._rendered
