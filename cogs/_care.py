"""Crisis lines on Discord: the support-lines embed, the calm card for words of distress, the region picker.

Shared by /resources, /faq and /share-moment. Everything here is private (ephemeral) and pings no one.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot import care
from bot.care import Concern, Reading
from bot.regions import RegionChoice, UserRegionStore, resolve_region
from bot.resources import REGIONS, Line, Region, load_resources
from cogs._views import COLOUR, ButtonRow, Guarded, find_cog

NO_PINGS = discord.AllowedMentions.none()
CARE_CHOICE = "steady:care"
CARE_CHOICE_NAME = "Need to talk to someone now?"
WORK_POINTER = "If any of this is close to home for you, `/resources` lists people you can reach any time."
PICKER_ID = "steady:region:pick:{kind}"


def read_question(text: str) -> Reading:
    """The autocomplete entry "Need to talk to someone now?" counts as words of distress."""
    if text.strip() == CARE_CHOICE:
        return Reading(Concern.SELF, "asked for someone to talk to")
    return care.read(text)


def regions_of(bot: Any) -> dict[str, Region]:
    """The regions the Resources cog loaded at start (no disk on the hot path)."""
    cog = find_cog(bot, "Resources")
    regions = getattr(cog, "regions", None)
    if isinstance(regions, dict) and regions:
        return regions
    return load_resources(bot.data_dir / "resources.toml")


async def region_for(bot: Any, user_id: int, guild_id: int | None) -> RegionChoice:
    """The person's own region, else the server's chosen one, else international."""
    person = await UserRegionStore(bot.db).get(user_id)
    server = await bot.guild_settings.chosen_region(guild_id)
    return resolve_region(person, server)


def line_summary(line: Line) -> str:
    return f"**{line.name}** ({line.hours}): " + " · ".join(line.how)


def where_from(region: Region, choice: RegionChoice) -> str:
    if choice.source == "person":
        return f"Showing **{region.name}**, the region you chose."
    if choice.source == "server":
        return f"Showing **{region.name}**, this server's region. You can choose your own with `/resources`."
    return "Showing international lines. Pick your region below and I'll show the lines there."


def resources_embed(region: Region, choice: RegionChoice) -> discord.Embed:
    """Every line of a region, with its hours and the date and page it was last checked against."""
    embed = discord.Embed(
        title=f"Support lines: {region.name}",
        description=(
            "If you or someone near you is in danger right now, contact emergency services. "
            f"{region.emergency}\n\nThe people on these lines want to hear from you. "
            + where_from(region, choice)
        ),
        colour=COLOUR,
    )
    for line in region.lines:
        value = (
            f"{line.description}\n"
            + "\n".join(f"• {how}" for how in line.how)
            + f"\nChecked {line.verified:%d %B %Y} ([source]({line.source}))"
        )
        embed.add_field(name=f"{line.name} ({line.hours})", value=value[:1024], inline=False)
    oldest = min(line.verified for line in region.lines)
    embed.set_footer(
        text=(
            f"Each line shows when it was last checked; the oldest here is {oldest:%d %B %Y}. "
            "Change your region with /resources region:, and /mydata deletes it."
        )
    )
    return embed


def crisis_embed(region: Region, concern: Concern, choice: RegionChoice) -> discord.Embed:
    """A calm card: the lines written out, and the emergency number, first."""
    lines = "\n".join(f"• {line_summary(line)}" for line in region.lines)
    if concern is Concern.OTHER:
        title = "When someone you care about may be in danger"
        text = (
            "It sounds like someone close to you may be in danger. If they might act on it right now, "
            f"stay with them if it's safe for you, and get help: {region.emergency}\n\n"
            "These lines talk with people who are worried about someone else too. You could reach one "
            f"together, or call for advice yourself:\n{lines}"
        )
    else:
        title = "You don't have to carry this alone"
        text = (
            "It sounds like things are really heavy right now, and I'm glad you said something. "
            f"These people are there for you right now, and they want to hear from you:\n{lines}\n\n"
            f"**If you might act on these thoughts, or you're in danger:** {region.emergency}"
        )
    embed = discord.Embed(title=title, description=text, colour=COLOUR)
    plain = where_from(region, choice).replace("**", "").replace("`", "")
    embed.set_footer(text=f"Only you can see this. {plain}")
    return embed


class RegionPicker(
    Guarded,
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"steady:region:pick:(?P<kind>lines|self|other)",
):
    """Picks and remembers the person's region; the custom id alone carries the state, so a restart
    changes nothing."""

    def __init__(self, kind: str, options: list[discord.SelectOption]) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=PICKER_ID.format(kind=kind),
                placeholder="Pick your region",
                options=options,
                min_values=1,
                max_values=1,
            )
        )
        self.kind = kind

    @classmethod
    def for_regions(cls, regions: dict[str, Region], kind: str) -> RegionPicker:
        options = [discord.SelectOption(label=regions[code].name, value=code) for code in REGIONS]
        return cls(kind, options)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RegionPicker:
        options = list(getattr(item, "options", []))
        return cls(match["kind"], options)

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: Any = interaction.client
        regions = regions_of(bot)
        values = self.item.values
        code = values[0] if values else ""
        if code not in regions:
            await interaction.response.send_message(
                "I don't know that region. Please pick one from the list.", ephemeral=True
            )
            return
        await UserRegionStore(bot.db).set(interaction.user.id, code, bot.clock.now())
        choice = RegionChoice(code, "person")
        region = regions[code]
        if self.kind == "lines":
            embeds = [resources_embed(region, choice)]
        else:
            kept = list(interaction.message.embeds[1:]) if interaction.message else []
            embeds = [crisis_embed(region, Concern(self.kind), choice), *kept]
        note = f"I'll remember **{region.name}** for you. `/mydata` shows and deletes it."
        before = interaction.message.content if interaction.message else ""
        if before and "I'll remember" not in before:
            note = f"{before}\n\n{note}"
        await interaction.response.edit_message(
            content=note,
            embeds=embeds,
            view=None,
            allowed_mentions=NO_PINGS,
        )


def picker_view(bot: Any, kind: str, choice: RegionChoice) -> ButtonRow:
    view = ButtonRow()
    if choice.needs_picker:
        view.add_item(RegionPicker.for_regions(regions_of(bot), kind))
    return view


async def send_care_reply(
    interaction: discord.Interaction,
    reading: Reading,
    *,
    answer: discord.Embed | None = None,
    extra: discord.ui.View | None = None,
) -> None:
    """/faq with words of distress or a work question in the same words: always private.

    Distress: the crisis card first, then the answer if there is one. Work: the answer with a
    short pointer to the lines."""
    bot: Any = interaction.client
    items = [item for item in (extra.children if extra else []) if isinstance(item, discord.ui.DynamicItem)]
    if reading.concern.shows_lines:
        choice = await region_for(bot, interaction.user.id, interaction.guild_id)
        region = regions_of(bot)[choice.code]
        embeds = [crisis_embed(region, reading.concern, choice)] + ([answer] if answer else [])
        view = picker_view(bot, reading.concern.value, choice)
        content = None
    else:
        embeds = [answer] if answer else []
        view = ButtonRow()
        sorry = "I couldn't find a good answer to that, sorry; `/faq` on its own lists every topic. "
        content = WORK_POINTER if answer else sorry + WORK_POINTER
    for item in items[:5]:
        view.add_item(item)
    kwargs: dict[str, Any] = {"view": view} if view.children else {}
    await interaction.response.send_message(
        content=content, embeds=embeds, ephemeral=True, allowed_mentions=NO_PINGS, **kwargs
    )


async def care_for_sharer(interaction: discord.Interaction, reading: Reading, thanks: str) -> None:
    """/share-moment with words of distress: thanks, then the lines, privately."""
    bot: Any = interaction.client
    choice = await region_for(bot, interaction.user.id, interaction.guild_id)
    region = regions_of(bot)[choice.code]
    view = picker_view(bot, reading.concern.value, choice)
    kwargs: dict[str, Any] = {"view": view} if view.children else {}
    await interaction.response.send_message(
        content=thanks,
        embed=crisis_embed(region, reading.concern, choice),
        ephemeral=True,
        allowed_mentions=NO_PINGS,
        **kwargs,
    )
