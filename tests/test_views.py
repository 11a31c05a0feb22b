"""Persistent buttons keep working after discord.py expires the view they were sent in."""

from __future__ import annotations

import discord
import pytest
from discord.ui.view import ViewStore

from cogs._views import ButtonRow
from cogs.faq import TopicButton


async def test_an_expired_button_row_leaves_its_buttons_registered() -> None:
    store = ViewStore(None)  # type: ignore[arg-type]
    store.add_dynamic_items(TopicButton)
    row = ButtonRow(TopicButton("education", "Education"))
    row.timeout = 900
    store.add_view(row, 1234)
    store.remove_view(row)
    row.stop()
    assert TopicButton in store._dynamic_items.values()


def test_button_row_refuses_plain_buttons() -> None:
    with pytest.raises(TypeError):
        ButtonRow().add_item(discord.ui.Button(label="plain", custom_id="plain"))
