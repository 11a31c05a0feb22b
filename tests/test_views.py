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


def test_every_persistent_component_shares_the_one_error_path() -> None:
    """A button or select without Guarded would end in Discord's "This interaction failed" on any error."""
    import importlib
    import inspect
    import pkgutil

    from bot.client import extension_names
    from cogs._views import Guarded

    modules = [importlib.import_module(name) for name in extension_names()]
    modules += [importlib.import_module(f"cogs.{name}") for name in ("_care", "_config", "_views")]
    for package in [m for m in modules if hasattr(m, "__path__")]:  # a cog package's private modules too
        modules += [
            importlib.import_module(f"{package.__name__}.{m.name}")
            for m in pkgutil.iter_modules(package.__path__)
        ]
    items = {
        cls
        for module in modules
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, discord.ui.DynamicItem) and cls is not discord.ui.DynamicItem
    }
    assert len(items) >= 5
    assert [cls.__name__ for cls in items if not issubclass(cls, Guarded)] == []


async def test_a_button_row_starts_finished_and_renders_once() -> None:
    """discord.py stores (and starts a timer for) every unfinished view it sends; a row of DynamicItems
    needs neither, and a row sent many times is rendered once, again only after it changes."""
    row = ButtonRow(TopicButton("education", "Education"))
    assert row.is_finished()
    first = row.to_components()
    assert row.to_components() is first
    row.add_item(TopicButton("pay", "Pay"))
    assert [b["custom_id"] for b in row.to_components()[0]["components"]] == [
        "steady:faq:education",
        "steady:faq:pay",
    ]
