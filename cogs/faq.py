"""`/faq` and `/config faq-add` / `faq-remove`: Discord in and out of the FAQ core in `bot/faq/`."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import discord
from discord import app_commands
from discord.ext import commands

from bot.care import Concern
from bot.client import SteadyBot
from bot.faq import (
    SERVER_ANSWER_MAX,
    SERVER_ENTRIES_MAX,
    SERVER_QUESTION_MAX,
    FaqCatalog,
    FaqEntry,
    FaqInputError,
    FaqStore,
    RecentAnswers,
    answer_privately,
    autocomplete_own,
    load_faq,
    themes,
)
from bot.text import fit
from cogs._care import CARE_CHOICE, CARE_CHOICE_NAME, read_question, send_care_reply
from cogs._config import bind_config, config_group
from cogs._views import COLOUR, ButtonRow, Guarded, find_cog

NO_PINGS = discord.AllowedMentions.none()
BUTTON_LABEL_MAX = 80
EMBED_BUDGET = 5500  # of Discord's 6,000 characters per embed, leaving room for title and footer
FIELD_MAX = 1024
CUSTOM_ID = "steady:faq:{key}"
QUERY_MAX = 200


class TopicButton(
    Guarded,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"steady:faq:(?P<key>[a-z0-9_:-]{1,60})",
):
    """Opens one topic, privately, for whoever clicks; the key in the custom id survives restarts."""

    def __init__(
        self, key: str, label: str, *, style: discord.ButtonStyle = discord.ButtonStyle.secondary
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=fit(label, BUTTON_LABEL_MAX), style=style, custom_id=CUSTOM_ID.format(key=key)
            )
        )
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> TopicButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match["key"], label or match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = find_cog(interaction.client, "Faq")
        if not isinstance(cog, Faq):
            await interaction.response.send_message(
                "The FAQ is resting for a moment. Please try again shortly.", ephemeral=True
            )
            return
        entry = cog.catalog.get(self.key, interaction.guild_id)
        if entry is None:
            await interaction.response.send_message(
                "That topic isn't available here any more. Use `/faq` on its own to see every topic.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        await interaction.response.send_message(
            embed=answer_embed(entry),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
            **with_view(related_view(cog.catalog, entry, interaction.guild_id)),
        )


def answer_embed(entry: FaqEntry) -> discord.Embed:
    embed = discord.Embed(title=fit(entry.title, 256), description=entry.answer, colour=COLOUR)
    if entry.sources:
        links = [f"[{urlsplit(url).hostname or url}]({url})" for url in entry.sources]
        embed.add_field(
            name="Check the official pages", value=fit(" · ".join(links), FIELD_MAX), inline=False
        )
    if entry.is_server_entry:
        embed.set_footer(text="Written by this server's moderators. See every topic with /faq.")
    else:
        embed.set_footer(
            text=f"{entry.theme} · Not quite it? Ask in other words, or see every topic with /faq."
        )
    return embed


def topic_view(entries: list[FaqEntry]) -> discord.ui.View | None:
    """A row of topic buttons (at most five: one row)."""
    if not entries:
        return None
    view = ButtonRow()
    for entry in entries[:5]:
        view.add_item(TopicButton(entry.key, entry.title))
    return view


def with_view(view: discord.ui.View | None) -> dict[str, Any]:
    """discord.py wants no ``view`` argument at all, rather than None, when there are no buttons."""
    return {"view": view} if view is not None else {}


def related_view(catalog: FaqCatalog, entry: FaqEntry, guild_id: int | None) -> discord.ui.View | None:
    related = [e for key in entry.related if (e := catalog.get(key, guild_id)) is not None]
    return topic_view(related)


def index_embed(entries: list[FaqEntry]) -> discord.Embed:
    """Every topic grouped by theme, kept inside Discord's embed limits however many entries a server adds."""
    embed = discord.Embed(
        title="FAQ topics",
        description=(
            "Type `/faq` and start typing a topic to pick it, or ask in your own words, "
            "for example `/faq do I need a degree`."
        ),
        colour=COLOUR,
    )
    budget = EMBED_BUDGET - len(embed.description or "")
    for theme, group in themes(entries).items():
        lines: list[str] = []
        used = 0
        for i, entry in enumerate(group):
            line = f"• {entry.title}"
            rest = len(group) - i
            more = f"…and {rest} more: start typing after `/faq` to find them"
            if used + len(line) + 1 + len(more) > min(FIELD_MAX, budget - len(theme)):
                lines.append(more)
                break
            lines.append(line)
            used += len(line) + 1
        value = "\n".join(lines)
        if not lines or len(theme) + len(value) > budget:
            break
        embed.add_field(name=theme, value=value, inline=False)
        budget -= len(theme) + len(value)
    embed.set_footer(text="Answers about stress or hard days come privately, and end with /resources.")
    return embed


def unsure_text(near: bool) -> str:
    """Said only to the asker when Steady isn't sure, so a wrong answer is never posted for everyone."""
    if near:
        lead = (
            "I'm not sure I understood, so I'm answering only you. Is it one of these? "
            "Pick one, ask in other words, or use `/faq` on its own to see every topic."
        )
    else:
        lead = (
            "I couldn't find a good answer to that, sorry. These topics are the closest; "
            "or use `/faq` on its own to see them all."
        )
    return (
        lead + "\nIf you're having a hard time yourself, `/resources` lists people you can reach right now."
    )


def earlier_text(link: str) -> str:
    return f"This was answered in this channel a few minutes ago: {link}\nHere it is again, just for you."


def message_link(sent: object, guild_id: int | None, channel_id: int) -> str | None:
    """A link to the message a response created, from the callback reply (no extra request)."""
    resource = getattr(sent, "resource", None)
    if isinstance(resource, discord.Message):
        return resource.jump_url
    message_id = getattr(sent, "message_id", None)
    if message_id is None or guild_id is None:
        return None
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


class Faq(commands.Cog):
    """Holds the built-in entries and every server's own entries in memory; commands read no disk.
    Each index also remembers the embeds and button rows it answered with, so a repeated answer is sent
    as built the first time (the memory goes with the index when a server's entries change)."""

    stores_user_data = False

    def __init__(self, bot: SteadyBot) -> None:
        self.bot = bot
        self.store = FaqStore(bot.db, bot.clock)
        self.catalog = FaqCatalog(load_faq(bot.data_dir / "faq.toml"), self.store)
        self.recent = RecentAnswers()

    async def cog_load(self) -> None:
        await self.store.load()
        self.catalog.warm()
        self.bot.add_dynamic_items(TopicButton)
        bind_config(self)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(TopicButton)

    async def delete_guild_data(self, guild_id: int) -> int:
        return await self.store.delete_guild(guild_id)

    # ----- /faq

    @app_commands.command(name="faq", description="Answers about working as a mental health technician")
    @app_commands.describe(question="Pick a topic as you type, or ask in your own words")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def faq(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, QUERY_MAX] | None = None
    ) -> None:
        guild_id = interaction.guild_id
        index = self.catalog.index_for(guild_id)
        if question is None or not question.strip():
            embed = index.remember(("index embed", ""), lambda: index_embed(list(index.entries)))
            await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        result = self.catalog.match(question, guild_id)
        reading = read_question(question)
        if reading.concern is not Concern.NONE:  # words of distress, or a work question in those words
            found = result.entry if question.strip() != CARE_CHOICE else None
            work = reading.concern is Concern.WORK
            closest = topic_view([s.entry for s in result.closest]) if work else None
            extra = related_view(self.catalog, found, guild_id) if found else closest
            answer = answer_embed(found) if found else None
            await send_care_reply(interaction, reading, answer=answer, extra=extra)
            return
        if result.entry is None:
            nearest = [s.entry for s in result.closest]
            view = index.remember(
                ("closest view", " ".join(e.key for e in nearest)), lambda: topic_view(nearest)
            )
            await interaction.response.send_message(
                unsure_text(result.score > 0),
                ephemeral=True,
                **with_view(view),
                allowed_mentions=NO_PINGS,
            )
            return
        entry = result.entry
        embed, view, private = index.remember(
            ("answer", entry.key),
            lambda: (
                answer_embed(entry),
                related_view(self.catalog, entry, guild_id),
                answer_privately(entry),
            ),
        )
        channel_id = interaction.channel_id if guild_id is not None else None
        now = self.bot.clock.now()
        earlier = None if private or channel_id is None else self.recent.earlier(channel_id, entry.key, now)
        sent = await interaction.response.send_message(
            earlier_text(earlier.link) if earlier is not None else None,
            embed=embed,
            ephemeral=private or earlier is not None,
            **with_view(view),
            allowed_mentions=NO_PINGS,
        )
        if not private and earlier is None and channel_id is not None:
            link = message_link(sent, guild_id, channel_id)
            if link is not None:
                self.recent.record(channel_id, entry.key, now, link)

    @faq.autocomplete("question")
    async def faq_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        choices = [
            app_commands.Choice(name=fit(title, 100), value=key)
            for title, key in self.catalog.autocomplete(current, interaction.guild_id)
        ]
        if read_question(current).concern.shows_lines:
            choices = [app_commands.Choice(name=CARE_CHOICE_NAME, value=CARE_CHOICE), *choices][:25]
        return choices

    # ----- /config faq-add, faq-remove

    @config_group.command(name="faq-add", description="Add or replace one of this server's own FAQ entries")
    @app_commands.describe(
        question=f"The question, as people would ask it (up to {SERVER_QUESTION_MAX} characters)",
        answer=f"The answer (up to {SERVER_ANSWER_MAX:,} characters; type \\n for a new line)",
    )
    async def faq_add(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, SERVER_QUESTION_MAX],
        answer: app_commands.Range[str, 1, SERVER_ANSWER_MAX],
    ) -> None:
        assert interaction.guild_id is not None
        try:
            outcome = await self.store.save(interaction.guild_id, question, answer)
        except FaqInputError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True, allowed_mentions=NO_PINGS)
            return
        self.catalog.warm(interaction.guild_id)
        title = discord.utils.escape_markdown(outcome.entry.title)
        count = len(self.store.entries(interaction.guild_id))
        if outcome.replaced:
            text = f"Updated. **{title}** now has the answer below."
        else:
            text = (
                f"Added. **{title}** now shows in `/faq` for this server "
                f"({count} of {SERVER_ENTRIES_MAX} server entries)."
            )
        if self.catalog.builtin_titled(outcome.entry.title) is not None:
            text += (
                "\nThis replaces the built-in topic with the same title in this server. "
                "Remove it with `/config faq-remove` to bring the built-in answer back."
            )
        await interaction.response.send_message(
            text, embed=answer_embed(outcome.entry), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @config_group.command(name="faq-remove", description="Remove one of this server's own FAQ entries")
    @app_commands.describe(question="The entry to remove (pick from the list as you type)")
    async def faq_remove(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, SERVER_QUESTION_MAX]
    ) -> None:
        assert interaction.guild_id is not None
        removed = await self.store.remove(interaction.guild_id, question)
        self.catalog.warm(interaction.guild_id)
        if removed is None:
            shown = discord.utils.escape_markdown(fit(question.strip(), 100))
            await interaction.response.send_message(
                f"I couldn't find a server entry called **{shown}**. Pick one from the list as you type. "
                "Only this server's own entries can be removed, not the built-in topics.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        title = discord.utils.escape_markdown(removed.title)
        if self.catalog.builtin_titled(removed.title) is not None:
            text = f"Removed. The built-in answer to **{title}** is back in `/faq` here."
        else:
            text = f"Removed. **{title}** no longer shows in `/faq` here."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @faq_remove.autocomplete("question")
    async def faq_remove_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        own = self.store.entries(interaction.guild_id)
        return [
            app_commands.Choice(name=fit(title, 100), value=key)
            for title, key in autocomplete_own(current, own)
        ]


async def setup(bot: SteadyBot) -> None:
    await bot.add_cog(Faq(bot))
