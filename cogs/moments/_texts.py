"""What quiet moments say: the post's embed, and the words of `/config moments` and the review page."""

from __future__ import annotations

from datetime import date

import discord

from bot.moments.content import Moment
from bot.moments.own_post import post_marker
from bot.moments.store import PostRecord, Submission
from bot.privacy import RETENTION
from bot.text import fit
from cogs._views import COLOUR

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


def outcome_text(record: PostRecord | None, guild_id: int) -> str:
    """The last post, for `/config status`."""
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


def submission_embed(sub: Submission, waiting: int) -> discord.Embed:
    """One shared moment on the review page."""
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
    embed.add_field(
        name="Shared by", value=f"<@{sub.author_id}> {discord.utils.format_dt(sub.created_at, 'R')}"
    )
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
