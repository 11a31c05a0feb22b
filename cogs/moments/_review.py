"""The review page: one shared moment at a time, Approve / Reject, and what happens next."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import discord
from discord.utils import format_dt

from bot.client import send_ephemeral
from bot.moments.service import MomentsService
from bot.moments.status import moments_status
from bot.moments.store import MomentsStore, Submission
from bot.text import fit
from cogs._config import NOT_MANAGER
from cogs._views import COLOUR, ButtonRow, Guarded, find_cog
from cogs.moments._texts import submission_embed


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
        service = getattr(find_cog(interaction.client, "QuietMoments"), "service", None)
        if not isinstance(service, MomentsService):
            await send_ephemeral(interaction, "Quiet moments are not available right now; please try later.")
            return
        await review_decision(interaction, service, self.action == "approve", self.submission_id)


async def review_page(store: MomentsStore, guild_id: int) -> tuple[discord.Embed, discord.ui.View]:
    pending = await store.next_pending(guild_id)
    view = ButtonRow()
    if pending is None:
        embed = discord.Embed(
            title="Shared moments", description="Nothing is waiting for review.", colour=COLOUR
        )
        return embed, view
    embed = submission_embed(pending, await store.pending_count(guild_id))
    view.add_item(ReviewButton("approve", pending.id))
    view.add_item(ReviewButton("reject", pending.id))
    return embed, view


async def review_decision(
    interaction: discord.Interaction, service: MomentsService, approve: bool, submission_id: int
) -> None:
    if interaction.guild_id is None or not interaction.permissions.manage_guild:
        await send_ephemeral(interaction, NOT_MANAGER)
        return
    decided = await service.decide(interaction.guild_id, submission_id, approve, interaction.user.id)
    if decided is None:
        note = "That one had already been reviewed, so nothing changed."
    elif approve:
        note = f"**Approved:** “{fit(decided.text, 60)}”\n{await _when_posted(service, decided)}"
    else:
        note = f"**Set aside:** “{fit(decided.text, 60)}”\nIt won't be posted."
    embed, view = await review_page(service.store, interaction.guild_id)
    shown = "Next waiting for review:" if view.children else ""
    content = f"{note}\n{shown}" if shown else note
    await interaction.response.edit_message(content=content, embed=embed, view=view)


async def _when_posted(service: MomentsService, sub: Submission) -> str:
    """Roughly when a just-approved moment will be posted: it jumps the rotation's queue."""
    status = await moments_status(service.store, sub.guild_id, service.clock.now())
    if status.config is None:
        return "It will be among the first posts once quiet moments are set up with `/config moments`."
    if status.config.paused or status.next_post is None:
        return "Quiet moments are paused here; it will be among the first posts after `/config resume`."
    ahead = await service.store.queue_position(sub.guild_id, sub.key) or 0
    when = status.next_post + timedelta(days=ahead)
    return f"It will be posted around {format_dt(when, 'D')} ({format_dt(when, 'R')})."
