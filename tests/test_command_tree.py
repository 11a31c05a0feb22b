"""Meta-tests over the whole command tree, so a new command cannot slip past the rules."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.testing import DiscordServer, RunningBot

PRODUCT = Path(__file__).resolve().parents[2] / "shared" / "PRODUCT.md"


def product_command_names() -> set[str]:
    """Every `/command` named in the first column of PRODUCT.md's command tables."""
    if not PRODUCT.exists():
        pytest.skip("PRODUCT.md is not beside this checkout")
    names: set[str] = set()
    for line in PRODUCT.read_text().splitlines():
        if line.startswith("| `/"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`/([a-z-]+(?: [a-z-]+)?)`", first_cell))
    return names


def tree_names(commands: list[dict[str, Any]]) -> list[str]:
    names = []
    for command in commands:
        subs = [o for o in command.get("options") or [] if o["type"] in (1, 2)]
        names.append(command["name"])
        names += [f"{command['name']} {sub['name']}" for sub in subs]
    return names


async def test_every_command_name_is_unique_and_in_the_product(
    discord_server: DiscordServer, steady: RunningBot
) -> None:
    names = tree_names(discord_server.app.global_commands)
    duplicates = [name for name, count in Counter(names).items() if count > 1]
    assert not duplicates
    product = product_command_names()
    leaves = {n for n in names if n != "config"}
    assert leaves == product, (
        f"not in PRODUCT.md: {sorted(leaves - product)}; missing: {sorted(product - leaves)}"
    )


async def test_config_group_is_guild_only_and_needs_manage_server(
    discord_server: DiscordServer, steady: RunningBot
) -> None:
    config = next(c for c in discord_server.app.global_commands if c["name"] == "config")
    assert str(config["default_member_permissions"]) == str(1 << 5)
    assert config.get("contexts") == [0] and config.get("dm_permission") is False
