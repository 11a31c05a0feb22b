"""Posting for the runner: one embed with Discord's nonce, an optional thread, and finding an earlier post."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import datetime

import aiohttp
import discord

from bot.client import SteadyBot
from bot.moments.own_post import find_own_post
from bot.moments.runner import Pacer, PostFailure, PostRequest
from bot.text import fit
from cogs.moments._texts import NO_PATIENT_DETAILS, moment_embed

log = logging.getLogger("steady.moments")

POST_RATE = 48.0  # requests a second, under Discord's global 50/s
SLOW_DOWN = "Discord asked Steady to slow down (rate limited)."
FIND_PAGES = 5  # pages of 100 messages read back when looking for an earlier post


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


class Poster:
    """The runner's sender and finder, speaking to Discord through the bot."""

    def __init__(self, bot: SteadyBot, pacer: Pacer) -> None:
        self.bot = bot
        self.pacer = pacer

    async def send(self, request: PostRequest) -> int:
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

    async def find(self, request: PostRequest, since: datetime) -> int | None:
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
