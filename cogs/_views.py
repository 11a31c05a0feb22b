"""A view for rows of persistent buttons (DynamicItems registered in each cog's ``cog_load``)."""

from __future__ import annotations

from typing import Any

import discord


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
