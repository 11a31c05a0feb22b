"""The self-check's buttons, one class per kind of message; each custom id carries its run (and question),
so any click can be answered from the database alone, even after a restart.

They are click routes (``SteadyBot.add_click_route``), not DynamicItems: a click goes straight from its custom
id to its handler, without discord.py rebuilding the clicked message as a view first."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, ClassVar

import discord

from bot.client import send_ephemeral
from bot.selfcheck import Outcome

if TYPE_CHECKING:
    from cogs.selfcheck._cog import SelfCheck

log = logging.getLogger("steady.selfcheck")
_INT = "[0-9]{1,19}"


class Button:
    """Shared plumbing: the custom id is the data; the cog routes each click here (errors end in the
    shared private reply, see ``bot.client._click``)."""

    pattern: ClassVar[re.Pattern[str]]

    def __init_subclass__(cls, template: str = "", **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.pattern = re.compile(template)

    def __init__(self, match: re.Match[str]) -> None:
        self.match = match

    def number(self, group: str) -> int:
        return int(self.match[group])

    async def handle(self, cog: SelfCheck, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class QuestionButton(
    Button,
    template=rf"selfcheck:(?:a:(?P<run>{_INT}):(?P<q>[0-9]{{1,3}}):(?P<v>[0-9])|b:(?P<brun>{_INT}):(?P<bq>[0-9]{{1,3}}))",
):
    """A question's answers (``a``) and its Back button (``b``)."""

    @staticmethod
    def answer_id(run_id: int, question: int, value: int) -> str:
        return f"selfcheck:a:{run_id}:{question}:{value}"

    @staticmethod
    def back_id(run_id: int, question: int) -> str:
        return f"selfcheck:b:{run_id}:{question}"

    async def handle(self, cog: SelfCheck, interaction: discord.Interaction) -> None:
        if self.match["run"] is not None:
            question = self.number("q")
            step = await cog.store.answer(interaction.user.id, self.number("run"), question, self.number("v"))
        else:
            question = self.number("bq")
            step = await cog.store.back(interaction.user.id, self.number("brun"), question)
        await cog.show_step(interaction, step, question)


class OfferButton(Button, template=rf"selfcheck:(?P<action>resume|over):(?P<run>{_INT})"):
    """The offer for an unfinished run: Resume, or Start over."""

    @staticmethod
    def custom_id_for(action: str, run_id: int) -> str:
        return f"selfcheck:{action}:{run_id}"

    async def handle(self, cog: SelfCheck, interaction: discord.Interaction) -> None:
        if self.match["action"] == "resume":
            await self._resume(cog, interaction, self.number("run"))
        else:
            await self._start_over(cog, interaction, self.number("run"))

    @staticmethod
    async def _resume(cog: SelfCheck, interaction: discord.Interaction, run_id: int) -> None:
        step = await cog.store.resume(interaction.user.id, run_id)
        if step.outcome is Outcome.IN_PROGRESS and step.state is not None:
            await cog.deliver(interaction, step.state, from_offer=True)
        else:
            await cog.note(interaction, step)

    @staticmethod
    async def _start_over(cog: SelfCheck, interaction: discord.Interaction, run_id: int) -> None:
        if not await cog.allow_start(interaction):
            return
        step = await cog.store.start_over(interaction.user.id, replacing=run_id)
        if step.outcome is Outcome.STARTED and step.state is not None:
            log.info("self-check run %s started over (user %s)", step.state.run_id, interaction.user.id)
            await cog.deliver(interaction, step.state, from_offer=True)
        else:
            await send_ephemeral(
                interaction,
                "You've already started a fresh self-check. Use `/selfcheck` to pick it up where you are.",
            )


class RetakeButton(Button, template=r"selfcheck:retake"):
    """Under a result: take the self-check again."""

    CUSTOM_ID = "selfcheck:retake"

    async def handle(self, cog: SelfCheck, interaction: discord.Interaction) -> None:
        if not await cog.allow_start(interaction):
            return
        step = await cog.store.begin(interaction.user.id)
        if step.outcome is Outcome.IN_PROGRESS and step.state is not None and step.state.answered > 0:
            await cog.offer(interaction, step.state)
            return
        assert step.state is not None
        embed, view = cog.question_message(step.state)
        ephemeral = bool(interaction.message and interaction.message.flags.ephemeral)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=ephemeral)


class HereButton(Button, template=rf"selfcheck:here:(?P<run>{_INT})"):
    """When DMs are closed: take the self-check in the channel instead."""

    @staticmethod
    def custom_id_for(run_id: int) -> str:
        return f"selfcheck:here:{run_id}"

    async def handle(self, cog: SelfCheck, interaction: discord.Interaction) -> None:
        step = await cog.store.resume(interaction.user.id, self.number("run"))
        if step.outcome is Outcome.IN_PROGRESS and step.state is not None:
            embed, view = cog.question_message(step.state)
            await interaction.response.edit_message(content=None, embed=embed, view=view)
        else:
            await cog.note(interaction, step)


BUTTONS: tuple[type[Button], ...] = (QuestionButton, OfferButton, RetakeButton, HereButton)
