"""End to end, issue 14: the admin rough edges (time zone names, one change at a time, review texts,
region names), through the local Discord server with the real bot."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import FakeClock
from bot.resources import REGIONS
from bot.testing import DiscordServer, Guild, RunningBot, buttons_of, start_bot, text_of
from tests.test_moments_e2e import configure

START = datetime(2024, 6, 3, 7, 0, tzinfo=UTC)


async def suggest(server: DiscordServer, guild: Guild, typed: str) -> list[dict[str, str]]:
    return await server.autocomplete(
        "config moments", "timezone", user=server.admin, guild=guild, timezone=typed
    )


async def test_time_zones_by_the_names_people_use(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    est = await suggest(discord_server, guild, "EST")
    assert [c["value"] for c in est] == ["America/New_York"]
    assert "Eastern Time" in est[0]["name"] and "follows daylight saving" in est[0]["name"]
    assert all(len(c["name"]) <= 100 for c in est)
    for typed, zone in [("PST", "America/Los_Angeles"), ("ET", "America/New_York"), ("CET", "Europe/Paris")]:
        values = [c["value"] for c in await suggest(discord_server, guild, typed)]
        assert values and values[0] == zone, (typed, values)
    gmt = [c["value"] for c in await suggest(discord_server, guild, "GMT")]
    assert gmt[0] == "Europe/London" and not any(v.startswith("Etc/") for v in gmt)
    ist = [c["value"] for c in await suggest(discord_server, guild, "IST")]
    assert {"Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"} <= set(ist[:3])
    india = await suggest(discord_server, guild, "india")
    assert india[0]["value"] == "Asia/Kolkata" and "no daylight saving" in india[0]["name"]
    assert (await suggest(discord_server, guild, "london"))[0]["value"] == "Europe/London"
    assert any(c["value"].startswith("Etc/") for c in await suggest(discord_server, guild, "Etc/GMT"))

    async def config(**options: object) -> str:
        result = await discord_server.slash(
            "config moments", user=discord_server.admin, guild=guild, **options
        )
        return text_of((await result.wait()).data)

    done = await config(channel_=guild.channel("quiet-moments"), time="09:00", timezone="EST")
    assert "America/New_York" in done and "follows daylight saving" in done
    refused = await config(timezone="IST")
    assert "Asia/Kolkata" in refused and "Europe/Dublin" in refused and "Nothing was changed" in refused


async def test_config_moments_changes_one_thing_at_a_time(
    discord_server: DiscordServer, db_path: Path, guild: Guild
) -> None:
    running = await start_bot(discord_server, db_path, clock=FakeClock(START))

    async def config(**options: object) -> str:
        result = await discord_server.slash(
            "config moments", user=discord_server.admin, guild=guild, **options
        )
        done = await result.wait()
        assert done.ephemeral
        return text_of(done.data)

    def stored() -> tuple[int, str, str, int]:
        with sqlite3.connect(db_path) as conn:
            return conn.execute(
                "SELECT channel_id, post_time, timezone, thread FROM moments_config WHERE guild_id = ?",
                (guild.id,),
            ).fetchone()

    try:
        first = await config(time="10:30")
        assert "`channel`" in first and "`timezone`" in first and "missing" in first
        assert "`time`" not in first.split("missing")[0].split(";")[1]
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("SELECT COUNT(*) FROM moments_config").fetchone() == (0,)

        quiet = guild.channel("quiet-moments")
        await config(channel_=quiet, time="09:00", timezone="Europe/London", thread=True)
        assert stored() == (quiet.id, "09:00", "Europe/London", 1)

        changed = await config(time="10:30")  # the sandbox help's own example
        assert "10:30" in changed and "Europe/London" in changed and "time changed" in changed
        assert stored() == (quiet.id, "10:30", "Europe/London", 1)

        await config(timezone="America/Chicago")
        assert stored() == (quiet.id, "10:30", "America/Chicago", 1)

        general = guild.channel("general")
        moved = await config(channel_=general)
        assert f"<#{general.id}>" in moved
        assert stored() == (general.id, "10:30", "America/Chicago", 1)

        await config(thread=False)
        assert stored() == (general.id, "10:30", "America/Chicago", 0)

        bad = await config(time="25:00")
        assert "Nothing was changed" in bad and stored() == (general.id, "10:30", "America/Chicago", 0)
        nothing = await config()
        assert "Nothing to change" in nothing
    finally:
        await running.stop()


async def test_review_says_what_happened_apart_from_what_is_shown_and_when_it_posts(
    discord_server: DiscordServer, db_path: Path, guild: Guild
) -> None:
    running = await start_bot(discord_server, db_path, clock=FakeClock(START))
    first = "On the hard days, the smallest kindness from a coworker can carry you to the end of the shift."
    second = "A second moment, shared by a member, to be set aside by the moderator."
    try:
        await configure(discord_server, guild)
        for words in (first, second):
            await (
                await discord_server.slash(
                    "share-moment", user=discord_server.member, guild=guild, text=words
                )
            ).wait()
        review = await (
            await discord_server.slash("config review", user=discord_server.admin, guild=guild)
        ).wait()
        page = review.original
        approve = next(b for b in buttons_of(page) if b["label"] == "Approve")
        await (await discord_server.click(page, approve["custom_id"], user=discord_server.admin)).wait()
        content = page.get("content") or ""
        due = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)  # 09:00 London today: the approved moment is next
        assert content.startswith("**Approved:**") and first[:40] in content
        assert f"<t:{int(due.timestamp())}:D>" in content and "Next waiting for review" in content
        shown = text_of({"embeds": page["embeds"]})
        assert second in shown and "Approved" not in shown and first not in shown
        reject = next(b for b in buttons_of(page) if b["label"] == "Reject")
        await (await discord_server.click(page, reject["custom_id"], user=discord_server.admin)).wait()
        assert (page.get("content") or "").startswith("**Set aside:**")
        assert "Nothing is waiting" in text_of({"embeds": page["embeds"]})
    finally:
        await running.stop()


async def test_region_choices_show_names_with_the_codes_as_values(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    config = next(c for c in discord_server.app.global_commands if c["name"] == "config")
    region = next(o for o in config["options"] if o["name"] == "region")
    choices = {c["value"]: c["name"] for c in region["options"][0]["choices"]}
    assert set(choices) == set(REGIONS)
    assert choices["UK"] == "United Kingdom" and choices["IE"] == "Ireland" and choices["IN"] == "India"
    assert all(name != code for code, name in choices.items())
    done = await (
        await discord_server.slash("config region", user=discord_server.admin, guild=guild, region="IE")
    ).wait()
    assert "Ireland" in text_of(done.data)
