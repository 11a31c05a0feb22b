"""Safety rules checked over the whole command tree, so a new command cannot forget them."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bot.testing import DiscordServer, Guild, RunningBot, text_of

MENTIONS = "@everyone @here <@&{role}> <@{user}> please read this, friends"
MESSAGE_ROUTES = ("/callback", "/webhooks/", "/messages")


def leaves(commands: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every invocable command path with its options."""
    found = []
    for command in commands:
        subs = [o for o in command.get("options") or [] if o["type"] == 1]
        if subs:
            found += [(f"{command['name']} {s['name']}", s.get("options") or []) for s in subs]
        else:
            found.append((command["name"], command.get("options") or []))
    return found


def sample_values(options: list[dict[str, Any]], guild: Guild, text: str) -> dict[str, Any]:
    """A plausible value for every required option (and every string option, to carry text)."""
    values: dict[str, Any] = {}
    for option in options:
        kind = option["type"]
        if not option.get("required") and kind != 3:
            continue
        if option.get("choices"):
            values[option["name"] + "_"] = option["choices"][0]["value"]
        elif kind == 3:
            limit = option.get("max_length", 6000)
            values[option["name"] + "_"] = text[:limit]
        elif kind == 7:
            values[option["name"] + "_"] = guild.channel("quiet-moments")
        elif kind == 4:
            values[option["name"] + "_"] = option.get("min_value", 1)
        elif kind == 5:
            values[option["name"] + "_"] = True
    return values


def snapshot(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(db_path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


async def test_every_config_subcommand_refuses_non_managers(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild, db_path: Path
) -> None:
    config = [
        (path, options)
        for path, options in leaves(discord_server.app.global_commands)
        if path.startswith("config ")
    ]
    assert len(config) >= 1
    before = snapshot(db_path)
    for path, options in config:
        values = sample_values(options, guild, "A kind sentence for testing.")
        result = await (
            await discord_server.slash(path, user=discord_server.member, guild=guild, **values)
        ).wait()
        assert result.ephemeral, path
        assert "Manage Server" in text_of(result.data), path
    assert snapshot(db_path) == before


async def test_user_text_never_pings_anyone(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    text = MENTIONS.format(role=guild.admin_role, user=discord_server.member.id)
    for path, options in leaves(discord_server.app.global_commands):
        if not any(o["type"] == 3 and not o.get("choices") for o in options):
            continue
        values = sample_values(options, guild, text)
        result = await discord_server.slash(path, user=discord_server.admin, guild=guild, **values)
        await result.wait(timeout=15)
    await discord_server.wait_for(lambda: True)
    assert_no_pings(discord_server)


def assert_no_pings(server: DiscordServer) -> None:
    """Every message payload the bot sent disables every kind of mention."""
    checked = 0
    for request in server.requests:
        if request.method not in ("POST", "PATCH") or not isinstance(request.body, dict):
            continue
        if not any(route in request.path for route in MESSAGE_ROUTES):
            continue
        body = request.body.get("data") if "/callback" in request.path else request.body
        if not body or not ({"content", "embeds"} & set(body)):
            continue
        mentions = body.get("allowed_mentions")
        assert mentions is not None, f"{request.method} {request.path} has no allowed_mentions"
        assert mentions.get("parse") == [], (request.path, mentions)
        assert not mentions.get("users") and not mentions.get("roles"), (request.path, mentions)
        checked += 1
    assert checked > 0


async def test_every_string_option_has_a_length_limit(
    discord_server: DiscordServer, steady: RunningBot
) -> None:
    for path, options in leaves(discord_server.app.global_commands):
        for option in options:
            if option["type"] == 3 and not option.get("choices"):
                assert 0 < option.get("max_length", 0) <= 6000, f"/{path} {option['name']} has no max_length"


async def test_control_characters_never_come_back_out(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    hidden = "\u202e\u200b\x07\x1b"
    text = f"Night{hidden[0]} shifts{hidden[1]} are{hidden[2]} long{hidden[3]} but we keep going"
    for path, options in leaves(discord_server.app.global_commands):
        if not any(o["type"] == 3 and not o.get("choices") for o in options):
            continue
        values = sample_values(options, guild, text)
        await (await discord_server.slash(path, user=discord_server.admin, guild=guild, **values)).wait(
            timeout=15
        )
    review = await (
        await discord_server.slash("config review", user=discord_server.admin, guild=guild)
    ).wait()
    faq = await (await discord_server.slash("faq", user=discord_server.member, guild=guild)).wait()
    assert "Night shifts are long" in text_of(await review.final()) + text_of(await faq.final())
    for request in discord_server.requests:
        if request.method in ("POST", "PATCH") and request.body:
            sent = str(request.body)
            assert not any(ch in sent for ch in hidden), request.path
