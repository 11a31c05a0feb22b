"""Quiet moments on Discord: the daily post, `/quietmoment`, `/share-moment`, and the `/config` controls."""

from __future__ import annotations

import asyncio
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.care import Concern
from bot.client import SteadyBot, cancel_quietly, send_ephemeral
from bot.modnotice import ModChannelStore
from bot.moments import store as moments_store
from bot.moments.content import load_moments
from bot.moments.runner import MomentsRunner, Pacer
from bot.moments.schedule import ScheduleError, format_hhmm, parse_hhmm
from bot.moments.service import MomentsService
from bot.moments.status import moments_status, todays_moment
from bot.moments.store import SHARES_PER_DAY, SUBMISSION_MAX, SUBMISSION_MIN, MomentsStore
from bot.moments.zones import load_zone_aliases, zone_phrase
from bot.text import clean_text
from cogs._care import WORK_POINTER, care_for_sharer, read_question
from cogs._config import REGION_NAMES, bind_config, config_group
from cogs._views import COLOUR
from cogs.moments._posting import POST_RATE, Poster
from cogs.moments._review import ReviewButton, review_page
from cogs.moments._texts import (
    PRIVACY_REMINDER,
    REGION_REMINDER,
    RETENTION_NOTE,
    changed_text,
    first_setup_message,
    moment_embed,
    outcome_text,
)

# (not set up, done) for each of /config pause and /config resume
_SWITCH_TEXTS = {
    True: (
        "Quiet moments aren't set up here yet, so there's nothing to pause.",
        "Paused. No quiet moments will be posted until you use `/config resume`.",
    ),
    False: ("Quiet moments aren't set up here yet. Start with `/config moments`.", ""),
}


class QuietMoments(commands.Cog):
    """Adapts Discord to bot.moments: one runner posts for every server; commands read and change config."""

    user_data_name = "Quiet moments"

    def __init__(self, bot: SteadyBot) -> None:
        self.bot = bot
        self.moments = load_moments(bot.data_dir / "quiet_moments.toml")
        self.zones = load_zone_aliases(bot.data_dir / "timezones.toml")
        self.service: MomentsService | None = None
        self.pacer = Pacer(bot.shard_plan.post_rate(POST_RATE))  # this process's share of the 50/s
        self._task: asyncio.Task[None] | None = None

    @property
    def runner(self) -> MomentsRunner | None:
        """The runner posting now (for tests and the bench); only the service talks to it."""
        return self.service.runner if self.service is not None else None

    async def cog_load(self) -> None:
        bind_config(self)
        self.service = MomentsService(MomentsStore(self.bot.db, self.moments), self.bot.clock)
        self.bot.add_dynamic_items(ReviewButton)
        poster = Poster(self.bot, self.pacer)
        supervise = self.service.supervise(
            poster.send, poster.find, self.pacer, self.bot.wait_until_ready, self.bot.shard_plan.owner()
        )
        self._task = asyncio.create_task(supervise, name="quiet-moments-runner")

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ReviewButton)
        await cancel_quietly(self._task)
        self._task = None

    async def describe_user_data(self, user_id: int) -> list[str]:
        return await moments_store.describe_user_data(self.bot.db, user_id)

    async def delete_user_data(self, user_id: int) -> int:
        return await moments_store.delete_user_data(self.bot.db, user_id)

    async def delete_guild_data(self, guild_id: int) -> int:
        return await self._service().delete_guild(guild_id)

    async def drain(self, timeout: float) -> None:
        await self._service().drain(timeout)

    def _service(self) -> MomentsService:
        assert self.service is not None
        return self.service

    def _store(self) -> MomentsStore:
        return self._service().store

    # --- /config moments, pause, resume, status, review ----------------------------------------

    @config_group.command(name="moments", description="Where and when the daily quiet moment is posted")
    @app_commands.describe(
        channel="The channel for the daily post",
        time="Time of day, 24-hour HH:MM, for example 08:30 or 19:00",
        timezone="Your time zone, for example America/Chicago or Europe/London",
        thread="Open a thread under each post that invites replies",
    )
    async def config_moments(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        time: app_commands.Range[str, None, 20] | None = None,
        timezone: app_commands.Range[str, None, 64] | None = None,
        thread: bool | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        current = await self._store().get_config(interaction.guild_id)
        if current is None:
            missing = [
                name
                for name, value in (("channel", channel), ("time", time), ("timezone", timezone))
                if value is None
            ]
            if missing:
                await send_ephemeral(interaction, first_setup_message(missing))
                return
        elif channel is None and time is None and timezone is None and thread is None:
            await send_ephemeral(
                interaction,
                "Nothing to change: give a new `channel`, `time`, `timezone` or `thread`, for example "
                "`/config moments time:10:30`. `/config status` shows the current settings.",
            )
            return
        try:
            at = parse_hhmm(clean_text(time, multiline=False)) if time is not None else None
            zone = self.zones.resolve(clean_text(timezone, multiline=False)) if timezone is not None else None
        except ScheduleError as exc:
            message = str(exc)
            typed = clean_text(timezone or "", multiline=False).strip()
            if "isn't a time zone" in message and typed:
                close = [c.value for c in self.zones.suggest(typed, self.bot.clock.now(), limit=3)]
                if close:
                    message += " Did you mean " + ", ".join(f"`{z}`" for z in close) + "?"
            await send_ephemeral(interaction, message + " Nothing was changed.")
            return
        use_thread = thread if thread is not None else bool(current and current.thread)
        if channel is not None or (thread and not (current and current.thread)):
            target = channel or self._current_channel(interaction, current)
            missing_perms = self._missing_permissions(target, use_thread) if target else ""
            if missing_perms and target is not None:
                await send_ephemeral(
                    interaction,
                    f"I can't post in {target.mention} yet: I need {missing_perms} there. "
                    "Please adjust the channel's permissions (or pick another channel) and try again. "
                    "Nothing was changed.",
                )
                return
        if current is None:
            assert channel is not None and at is not None and zone is not None
            channel_id, post_at, zone_name = channel.id, at, zone.key
        else:
            channel_id = channel.id if channel is not None else current.channel_id
            post_at = at if at is not None else current.at
            zone_name = zone.key if zone is not None else current.zone_name
        saved = await self._service().configure(
            interaction.guild_id, channel_id, post_at, zone_name, use_thread
        )
        now = self.bot.clock.now()
        when = await self._next_text(interaction.guild_id)
        extra = " Each post will open a thread for replies." if saved.thread else ""
        zone_text = zone_phrase(saved.zone_name, now, self.zones.by_zone.get(saved.zone_name))
        lead = "Quiet moments are set" if current is None else "Updated"
        changed = "" if current is None else f" ({changed_text(channel, at, zone, thread)} changed)"
        chosen = await self.bot.guild_settings.chosen_region(interaction.guild_id)
        region_note = "" if chosen else f"\n{REGION_REMINDER}"
        await send_ephemeral(
            interaction,
            f"{lead}{changed}: every day at **{format_hhmm(saved.at)}** in <#{saved.channel_id}>, "
            f"on {zone_text}.{extra}\n"
            f"The next one is {when}. You can check any time with `/config status`.{region_note}",
        )

    @staticmethod
    def _current_channel(
        interaction: discord.Interaction, current: moments_store.MomentsConfig | None
    ) -> discord.TextChannel | None:
        if current is None or interaction.guild is None:
            return None
        found = interaction.guild.get_channel(current.channel_id)
        return found if isinstance(found, discord.TextChannel) else None

    def _missing_permissions(self, channel: discord.TextChannel, thread: bool) -> str:
        me = channel.guild.me
        if me is None:
            return ""
        perms = channel.permissions_for(me)
        needed = [("View Channel", perms.view_channel), ("Send Messages", perms.send_messages)]
        needed.append(("Embed Links", perms.embed_links))
        if thread:
            needed.append(("Create Public Threads", perms.create_public_threads))
        lacking = [name for name, ok in needed if not ok]
        return " and ".join(f"**{n}**" for n in lacking)

    async def _next_text(self, guild_id: int) -> str:
        status = await moments_status(self._store(), guild_id, self.bot.clock.now())
        if status.next_post is None:
            return "not scheduled"
        return f"{format_dt(status.next_post, 'F')} ({format_dt(status.next_post, 'R')})"

    @config_moments.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return self._zone_choices(current)

    def _zone_choices(self, current: str, limit: int = 25) -> list[app_commands.Choice[str]]:
        """Names people use (EST, London, India) first, then IANA names; all in memory."""
        found = self.zones.suggest(current, self.bot.clock.now(), limit)
        return [app_commands.Choice(name=c.name, value=c.value) for c in found]

    @config_group.command(name="pause", description="Pause the daily quiet moment")
    async def config_pause(self, interaction: discord.Interaction) -> None:
        await self._switch(interaction, paused=True)

    @config_group.command(name="resume", description="Start the daily quiet moment again")
    async def config_resume(self, interaction: discord.Interaction) -> None:
        await self._switch(interaction, paused=False)

    async def _switch(self, interaction: discord.Interaction, *, paused: bool) -> None:
        """/config pause and /config resume: one path, two texts."""
        assert interaction.guild_id is not None
        not_set_up, done = _SWITCH_TEXTS[paused]
        if await self._service().set_paused(interaction.guild_id, paused) is None:
            await send_ephemeral(interaction, not_set_up)
            return
        if not paused:
            done = f"Quiet moments are on. The next one is {await self._next_text(interaction.guild_id)}."
        await send_ephemeral(interaction, done)

    @config_group.command(name="status", description="How quiet moments are set up here, and how they went")
    async def config_status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        status = await moments_status(self._store(), interaction.guild_id, self.bot.clock.now())
        chosen = await self.bot.guild_settings.chosen_region(interaction.guild_id)
        embed = discord.Embed(title="Steady in this server", colour=COLOUR)
        config = status.config
        if config is None:
            embed.add_field(
                name="Quiet moments",
                value="Not set up yet. Use `/config moments` to choose a channel and time.",
            )
        else:
            embed.add_field(name="Channel", value=f"<#{config.channel_id}>")
            embed.add_field(name="Time", value=f"{format_hhmm(config.at)} ({config.zone_name})")
            embed.add_field(name="State", value="Paused" if config.paused else "On")
            nxt = (
                f"{format_dt(status.next_post, 'F')} ({format_dt(status.next_post, 'R')})"
                if status.next_post
                else ("Paused" if config.paused else "Not scheduled")
            )
            embed.add_field(name="Next post", value=nxt, inline=False)
            embed.add_field(name="Threads for replies", value="On" if config.thread else "Off")
        embed.add_field(name="Last post", value=outcome_text(status.last, interaction.guild_id), inline=False)
        embed.add_field(name="Pending submissions", value=f"{status.pending} (review with `/config review`)")
        mods = await ModChannelStore(self.bot.db).get(interaction.guild_id)
        notices = f"<#{mods.channel_id}>" if mods else "Not set. Choose a channel with `/config mod-channel`."
        embed.add_field(name="Moderator notices", value=notices)
        named = f"{REGION_NAMES.get(chosen, chosen)} (for `/resources`)" if chosen else ""
        region_text = named or f"Not chosen yet. {REGION_REMINDER}"
        embed.add_field(name="Region", value=region_text)
        embed.set_footer(text=RETENTION_NOTE)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @config_group.command(name="review", description="Review quiet moments shared by members")
    async def config_review(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        embed, view = await self.review_page(interaction.guild_id)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    async def review_page(self, guild_id: int) -> tuple[discord.Embed, discord.ui.View]:
        """The next shared moment waiting, with its buttons (also opened from a moderator notice)."""
        return await review_page(self._store(), guild_id)

    # --- member commands -----------------------------------------------------------------------

    @app_commands.command(
        name="quietmoment", description="Today's quiet moment for this server, just for you"
    )
    @app_commands.guild_only()
    async def quietmoment(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        today = await todays_moment(self._store(), interaction.guild_id, self.bot.clock.now())
        if today.moment is None:
            await send_ephemeral(interaction, "There's no quiet moment to show just now. Please try later.")
            return
        title = "Today's quiet moment" if today.posted_today else "A quiet moment"
        note = "" if today.posted_today else "This is the next one in this server's rotation. "
        await interaction.response.send_message(
            embed=moment_embed(today.moment, title=title, note=note), ephemeral=True
        )

    @app_commands.command(name="share-moment", description="Share a quiet moment for this server's rotation")
    @app_commands.describe(text="Your words, 10 to 500 characters. Never include patient details.")
    @app_commands.guild_only()
    async def share_moment(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, SUBMISSION_MIN, SUBMISSION_MAX],
    ) -> None:
        assert interaction.guild_id is not None
        cleaned = clean_text(text)
        if not SUBMISSION_MIN <= len(cleaned) <= SUBMISSION_MAX:
            await send_ephemeral(
                interaction,
                f"A shared moment needs {SUBMISSION_MIN} to {SUBMISSION_MAX} characters; yours has "
                f"{len(cleaned)}. {PRIVACY_REMINDER}",
            )
            return
        now = self.bot.clock.now()
        store = self._store()
        reading = read_question(cleaned)
        marked = reading.concern.shows_lines
        added = await store.add_submission_within_limit(
            interaction.guild_id, interaction.user.id, cleaned, now, care=marked
        )
        if isinstance(added, datetime):
            if marked:
                await care_for_sharer(
                    interaction,
                    reading,
                    "Thank you for trusting us with this. You've shared as many moments as one day allows, "
                    f"so this one isn't saved; you can share again {format_dt(added, 'R')}.",
                )
                return
            await send_ephemeral(
                interaction,
                f"Thank you for sharing so generously. To keep the queue easy for moderators, each person "
                f"can share {SHARES_PER_DAY} moments a day; you can share again {format_dt(added, 'R')}.",
            )
            return
        self.bot.dispatch("steady_submission", interaction.guild_id, interaction.user.id, marked)
        if marked:
            await care_for_sharer(
                interaction,
                reading,
                "Thank you for trusting us with this. It's saved, and it waits for a moderator like every "
                "shared moment; nothing is posted until they've read it. `/mydata` can delete it any time.",
            )
            return
        pointer = f" {WORK_POINTER}" if reading.concern is Concern.WORK else ""
        await send_ephemeral(
            interaction,
            "Thank you for sharing this. A moderator will read it, and once approved it joins this "
            f"server's quiet moments, posted without your name. {PRIVACY_REMINDER} "
            f"If you'd like it removed, `/mydata` can delete it.{pointer}",
        )
