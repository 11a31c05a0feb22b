"""Quiet moments on Discord: the daily post, `/quietmoment`, `/share-moment`, and the `/config` controls."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.care import Concern
from bot.client import SteadyBot, send_ephemeral
from bot.modnotice import ModChannelStore
from bot.moments import store as moments_store
from bot.moments.content import Moment, load_moments
from bot.moments.own_post import find_own_post, post_marker
from bot.moments.runner import MomentsRunner, Pacer, PostFailure, PostRequest
from bot.moments.schedule import ScheduleError, format_hhmm, parse_hhmm
from bot.moments.status import moments_status, todays_moment
from bot.moments.store import (
    SHARES_PER_DAY,
    SUBMISSION_MAX,
    SUBMISSION_MIN,
    MomentsStore,
    PostRecord,
    Submission,
)
from bot.moments.zones import load_zone_aliases, zone_phrase
from bot.privacy import RETENTION
from bot.text import clean_text, fit
from cogs._care import WORK_POINTER, care_for_sharer, read_question
from cogs._config import NOT_MANAGER, REGION_NAMES, bind_config, config_group
from cogs._views import ButtonRow, Guarded

log = logging.getLogger("steady.moments")

POST_RATE = 48.0  # requests a second, under Discord's global 50/s
SLOW_DOWN = "Discord asked Steady to slow down (rate limited)."
FIND_PAGES = 5  # pages of 100 messages read back when looking for an earlier post
COLOUR = discord.Colour.from_rgb(94, 140, 130)
RETENTION_NOTE = (
    f"If Steady is removed from this server, these settings, shared moments and post history are kept "
    f"{RETENTION.days} days in case you add it back, then deleted."
)
PRIVACY_REMINDER = (
    "Please never include patient details, or anything that could identify someone you've cared for."
)
NO_PATIENT_DETAILS = "no patient details, please"
REGION_REMINDER = (
    "Members see international crisis lines in `/resources` until you choose this server's region "
    "with `/config region`."
)


def moment_embed(
    moment: Moment, *, title: str = "A quiet moment", note: str = "", day: date | None = None
) -> discord.Embed:
    embed = discord.Embed(title=title, description=moment.text, colour=COLOUR)
    if moment.prompt:
        name = f"If you'd like to share ({NO_PATIENT_DETAILS})"
        embed.add_field(name=name, value=moment.prompt, inline=False)
    footer = "Shared by a member of this server. " if moment.author_id else ""
    marker = f"{post_marker(day)} · " if day is not None else ""
    embed.set_footer(text=f"{note}{footer}{marker}Add your own with /share-moment.")
    return embed


def stamp(when: datetime, style: str = "F") -> str:
    return f"<t:{int(when.timestamp())}:{style}>"


def first_setup_message(missing: list[str]) -> str:
    """The first `/config moments` needs all three; say which ones are missing, with an example."""
    names = (
        " and ".join(f"`{m}`" for m in missing) if len(missing) < 3 else "`channel`, `time` and `timezone`"
    )
    return (
        f"To set up quiet moments the first time, I need a channel, a time and a time zone; "
        f"{names} {'is' if len(missing) == 1 else 'are'} missing. For example: "
        "`/config moments channel:#quiet-moments time:09:00 timezone:America/Chicago`. "
        "After that you can change any one of them alone. Nothing was changed."
    )


def changed_text(channel: object, at: object, zone: object, thread: object) -> str:
    parts = [
        name
        for name, value in (("channel", channel), ("time", at), ("time zone", zone), ("thread", thread))
        if value is not None
    ]
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else "nothing"


def _failure_from(exc: discord.HTTPException, channel_id: int) -> PostFailure:
    """Discord's answer, in words an admin can act on."""
    code = getattr(exc, "code", 0) or None
    if exc.status == 429:
        return PostFailure("Discord asked Steady to slow down (HTTP 429).", code=code, rate_limited=True)
    if isinstance(exc, discord.Forbidden):
        return PostFailure(
            f"Steady is missing permission to post in <#{channel_id}> (Discord error {code or 403}). "
            "Give it View Channel, Send Messages and Embed Links there; it will try again at the next time.",
            code=code,
        )
    if isinstance(exc, discord.NotFound):
        return PostFailure(
            f"The channel <#{channel_id}> no longer exists (Discord error {code or 404}). "
            "Choose another one with /config moments.",
            code=code,
        )
    if exc.status >= 500:
        return PostFailure(f"Discord had a problem (HTTP {exc.status}).", code=code, transient=True)
    return PostFailure(f"Discord refused the post (HTTP {exc.status}, error {code}).", code=code)


@contextlib.contextmanager
def _as_post_failure(channel_id: int) -> Iterator[None]:
    """Discord's errors and a lost connection as the runner's PostFailure (transient where a retry helps)."""
    try:
        yield
    except discord.HTTPException as exc:
        raise _failure_from(exc, channel_id) from None
    except discord.RateLimited:
        raise PostFailure(SLOW_DOWN, rate_limited=True) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise PostFailure(f"Could not reach Discord ({type(exc).__name__}).", transient=True) from None


class ReviewButton(
    Guarded,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"qm:review:(?P<action>approve|reject):(?P<sid>\d+)",
):
    """Approve / Reject for one submission; the id lives in the custom id, so it works after a restart."""

    def __init__(self, action: str, submission_id: int) -> None:
        approve = action == "approve"
        super().__init__(
            discord.ui.Button(
                label="Approve" if approve else "Reject",
                style=discord.ButtonStyle.success if approve else discord.ButtonStyle.secondary,
                custom_id=f"qm:review:{action}:{submission_id}",
            )
        )
        self.action = action
        self.submission_id = submission_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReviewButton:
        return cls(match["action"], int(match["sid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("QuietMoments")  # type: ignore[attr-defined]
        if not isinstance(cog, QuietMoments):
            await send_ephemeral(interaction, "Quiet moments are not available right now; please try later.")
            return
        await cog.review_decision(interaction, self.action == "approve", self.submission_id)


class QuietMoments(commands.Cog):
    """Adapts Discord to bot.moments: one runner posts for every server; commands read and change config."""

    user_data_name = "Quiet moments"

    def __init__(self, bot: SteadyBot) -> None:
        self.bot = bot
        self.moments = load_moments(bot.data_dir / "quiet_moments.toml")
        self.zones = load_zone_aliases(bot.data_dir / "timezones.toml")
        self.store: MomentsStore | None = None
        self.runner: MomentsRunner | None = None
        self.pacer = Pacer(bot.shard_plan.post_rate(POST_RATE))  # this process's share of the 50/s
        self._task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        bind_config(self)
        self.store = MomentsStore(self.bot.db, self.moments)
        self.bot.add_dynamic_items(ReviewButton)
        self._task = asyncio.create_task(self._supervise(), name="quiet-moments-runner")

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ReviewButton)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def describe_user_data(self, user_id: int) -> list[str]:
        return await moments_store.describe_user_data(self.bot.db, user_id)

    async def delete_user_data(self, user_id: int) -> int:
        return await moments_store.delete_user_data(self.bot.db, user_id)

    async def delete_guild_data(self, guild_id: int) -> int:
        deleted = await self._store().delete_guild(guild_id)
        self._notify(guild_id)
        return deleted

    async def drain(self, timeout: float) -> None:
        """Shutdown: no new posts; those under way finish and are recorded (bounded by ``timeout``)."""
        if self.runner is not None and not await self.runner.drain(timeout):
            log.warning("quiet moment posts were still under way at shutdown; the next start checks them")

    def _store(self) -> MomentsStore:
        assert self.store is not None
        return self.store

    async def _supervise(self) -> None:
        """Run the runner; if it ever dies of a bug, log it and start a fresh one from the database."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.bot.wait_until_ready(), 60)
        while True:
            self.runner = MomentsRunner(
                self._store(),
                self.bot.clock,
                self._send,
                pacer=self.pacer,
                finder=self._find,
                owns=self.bot.shard_plan.owner(),
            )
            try:
                await self.runner.run()
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # an ExceptionGroup from the runner's task group
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                log.exception("the quiet moments runner stopped; restarting it in a minute")
                await asyncio.sleep(60)

    def _notify(self, guild_id: int) -> None:
        if self.runner is not None:
            self.runner.notify(guild_id)

    async def _send(self, request: PostRequest) -> int:
        """The runner's sender: one embed, mentions off, with the (server, date) nonce Discord dedupes on."""
        if self.bot.is_ready() and self.bot.get_guild(request.guild_id) is None:
            raise PostFailure("Steady is no longer in this server.")
        channel = self.bot.get_partial_messageable(request.channel_id, guild_id=request.guild_id)
        with _as_post_failure(request.channel_id):
            message = await channel.send(
                embed=moment_embed(request.moment, day=request.local_date),
                nonce=request.nonce,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        if request.thread:
            await self.pacer.acquire()
            suffix = f" ({NO_PATIENT_DETAILS})"
            name = fit(request.moment.prompt or "Replies, if you'd like to share", 100 - len(suffix)) + suffix
            try:
                await message.create_thread(name=name, auto_archive_duration=1440)
            except discord.HTTPException as exc:
                log.info("could not open a thread under quiet moment %s: %s", message.id, exc.status)
        return message.id

    async def _find(self, request: PostRequest, since: datetime) -> int | None:
        """The runner's finder: Steady's own post of that date in the channel since ``since``, if any."""
        assert self.bot.user is not None
        after = discord.utils.time_snowflake(since)
        with _as_post_failure(request.channel_id):
            try:
                for _ in range(FIND_PAGES):
                    page = await self.bot.http.logs_from(request.channel_id, 100, after=after)
                    found = find_own_post(page, self.bot.user.id, request.local_date)
                    if found is not None or len(page) < 100:
                        return found
                    after = max(int(m["id"]) for m in page)
            except discord.Forbidden:
                log.warning("cannot read history in channel %s; sending without looking", request.channel_id)
                return None
        raise PostFailure("Could not check the channel for an earlier post (too many messages).")

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
        elif channel is time is timezone is thread is None:
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
        now = self.bot.clock.now()
        if current is None:
            assert channel is not None and at is not None and zone is not None
            channel_id, post_at, zone_name = channel.id, at, zone.key
        else:
            channel_id = channel.id if channel is not None else current.channel_id
            post_at = at if at is not None else current.at
            zone_name = zone.key if zone is not None else current.zone_name
        saved = await self._store().set_config(
            interaction.guild_id, channel_id, post_at, zone_name, use_thread, now
        )
        self._notify(interaction.guild_id)
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
        return f"{stamp(status.next_post)} ({stamp(status.next_post, 'R')})"

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
        assert interaction.guild_id is not None
        config = await self._store().get_config(interaction.guild_id)
        if config is None:
            await send_ephemeral(
                interaction, "Quiet moments aren't set up here yet, so there's nothing to pause."
            )
            return
        await self._store().set_paused(interaction.guild_id, True, self.bot.clock.now())
        self._notify(interaction.guild_id)
        await send_ephemeral(
            interaction, "Paused. No quiet moments will be posted until you use `/config resume`."
        )

    @config_group.command(name="resume", description="Start the daily quiet moment again")
    async def config_resume(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        config = await self._store().get_config(interaction.guild_id)
        if config is None:
            await send_ephemeral(
                interaction, "Quiet moments aren't set up here yet. Start with `/config moments`."
            )
            return
        if config.paused:
            await self._store().set_paused(interaction.guild_id, False, self.bot.clock.now())
            self._notify(interaction.guild_id)
        await send_ephemeral(
            interaction,
            f"Quiet moments are on. The next one is {await self._next_text(interaction.guild_id)}.",
        )

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
                f"{stamp(status.next_post)} ({stamp(status.next_post, 'R')})"
                if status.next_post
                else ("Paused" if config.paused else "Not scheduled")
            )
            embed.add_field(name="Next post", value=nxt, inline=False)
            embed.add_field(name="Threads for replies", value="On" if config.thread else "Off")
        embed.add_field(
            name="Last post", value=self._outcome(status.last, interaction.guild_id), inline=False
        )
        embed.add_field(name="Pending submissions", value=f"{status.pending} (review with `/config review`)")
        mods = await ModChannelStore(self.bot.db).get(interaction.guild_id)
        notices = f"<#{mods.channel_id}>" if mods else "Not set. Choose a channel with `/config mod-channel`."
        embed.add_field(name="Moderator notices", value=notices)
        named = f"{REGION_NAMES.get(chosen, chosen)} (for `/resources`)" if chosen else ""
        region_text = named or f"Not chosen yet. {REGION_REMINDER}"
        embed.add_field(name="Region", value=region_text)
        embed.set_footer(text=RETENTION_NOTE)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @staticmethod
    def _outcome(record: PostRecord | None, guild_id: int) -> str:
        if record is None:
            return "None yet."
        day = f"{record.local_date:%A %d %B %Y}"
        if record.state == "sent":
            link = f"https://discord.com/channels/{guild_id}/{record.channel_id}/{record.message_id}"
            return f"{day}: posted ({link})."
        if record.state == "claimed":
            return f"{day}: being posted now."
        label = "failed" if record.state == "failed" else "skipped"
        return fit(f"{day}: {label}. {record.reason or ''}", 1024)

    @config_group.command(name="review", description="Review quiet moments shared by members")
    async def config_review(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        embed, view = await self._review_page(interaction.guild_id)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    async def _review_page(self, guild_id: int) -> tuple[discord.Embed, discord.ui.View]:
        store = self._store()
        pending = await store.next_pending(guild_id)
        view = ButtonRow()
        if pending is None:
            embed = discord.Embed(
                title="Shared moments", description="Nothing is waiting for review.", colour=COLOUR
            )
            return embed, view
        embed = self._submission_embed(pending, await store.pending_count(guild_id))
        view.add_item(ReviewButton("approve", pending.id))
        view.add_item(ReviewButton("reject", pending.id))
        return embed, view

    @staticmethod
    def _submission_embed(sub: Submission, waiting: int) -> discord.Embed:
        title = "A shared moment to review" + (f" (1 of {waiting} waiting)" if waiting > 1 else "")
        embed = discord.Embed(title=title, description=sub.text, colour=COLOUR)
        if sub.care:
            embed.add_field(
                name="Marked for care",
                value=(
                    "Its words suggest the person who shared it may be going through something hard. "
                    "A kind, private check-in from someone they trust could mean a lot. They have already "
                    "been shown crisis lines, privately."
                ),
                inline=False,
            )
        embed.add_field(name="Shared by", value=f"<@{sub.author_id}> {stamp(sub.created_at, 'R')}")
        embed.add_field(
            name="Before you approve",
            value="Check that it holds no patient details, or anything that could identify someone.",
            inline=False,
        )
        embed.set_footer(
            text="Approve adds it to this server's quiet moments, posted within days; Reject sets it "
            "aside. Nobody is notified either way."
        )
        return embed

    async def review_decision(
        self, interaction: discord.Interaction, approve: bool, submission_id: int
    ) -> None:
        if interaction.guild_id is None or not interaction.permissions.manage_guild:
            await send_ephemeral(interaction, NOT_MANAGER)
            return
        decided = await self._store().decide(
            interaction.guild_id, submission_id, approve, interaction.user.id, self.bot.clock.now()
        )
        if decided is None:
            note = "That one had already been reviewed, so nothing changed."
        elif approve:
            note = f"**Approved:** “{fit(decided.text, 60)}”\n{await self._when_posted(decided)}"
        else:
            note = f"**Set aside:** “{fit(decided.text, 60)}”\nIt won't be posted."
        embed, view = await self._review_page(interaction.guild_id)
        shown = "Next waiting for review:" if view.children else ""
        content = f"{note}\n{shown}" if shown else note
        await interaction.response.edit_message(content=content, embed=embed, view=view)

    async def _when_posted(self, sub: Submission) -> str:
        """Roughly when a just-approved moment will be posted: it jumps the rotation's queue."""
        store = self._store()
        status = await moments_status(store, sub.guild_id, self.bot.clock.now())
        if status.config is None:
            return "It will be among the first posts once quiet moments are set up with `/config moments`."
        if status.config.paused or status.next_post is None:
            return "Quiet moments are paused here; it will be among the first posts after `/config resume`."
        ahead = await store.queue_position(sub.guild_id, sub.key) or 0
        when = status.next_post + timedelta(days=ahead)
        return f"It will be posted around {stamp(when, 'D')} ({stamp(when, 'R')})."

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
                    f"so this one isn't saved; you can share again {stamp(added, 'R')}.",
                )
                return
            await send_ephemeral(
                interaction,
                f"Thank you for sharing so generously. To keep the queue easy for moderators, each person "
                f"can share {SHARES_PER_DAY} moments a day; you can share again {stamp(added, 'R')}.",
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


async def setup(bot: SteadyBot) -> None:
    await bot.add_cog(QuietMoments(bot))
