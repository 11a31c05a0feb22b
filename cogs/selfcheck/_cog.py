"""`/selfcheck`: the career self-check in DMs, one statement at a time, with buttons that survive restarts."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from functools import partial

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import SteadyBot, send_ephemeral
from bot.cooldown import Cooldown
from bot.selfcheck import (
    Outcome,
    RunState,
    SelfCheckContent,
    SelfCheckStore,
    Step,
    Summary,
    delete_user_data,
    describe_user_data,
    load_selfcheck,
    question_screen,
    result_screen,
)
from bot.selfcheck.store import plural
from cogs._views import COLOUR
from cogs.selfcheck._buttons import BUTTONS, Button, HereButton, OfferButton, QuestionButton, RetakeButton
from cogs.selfcheck._texts import (
    DM_FAILED,
    DMS_CLOSED,
    DMS_CLOSED_HERE,
    FOOTER,
    HERE_BELOW,
    NOTES,
    RESULT_FOOTER,
    SENT,
    TITLE,
    Rendered,
    button_json,
)

log = logging.getLogger("steady.selfcheck")
STARTS_PER_WINDOW = 6
STARTS_WINDOW = timedelta(minutes=10)


class SelfCheck(commands.Cog):
    """Translates Discord events into self-check store calls and store results into messages."""

    user_data_name = "Career self-check"

    def __init__(self, bot: SteadyBot) -> None:
        self.bot = bot
        self.content: SelfCheckContent = load_selfcheck(bot.data_dir / "selfcheck.toml")
        self.starts = Cooldown(STARTS_PER_WINDOW, STARTS_WINDOW)

    @property
    def store(self) -> SelfCheckStore:
        return SelfCheckStore(self.bot.db, self.content, self.bot.clock)

    async def cog_load(self) -> None:
        for button in BUTTONS:
            self.bot.add_click_route(button.pattern, partial(self.clicked, button))

    async def cog_unload(self) -> None:
        for button in BUTTONS:
            self.bot.remove_click_route(button.pattern)

    async def clicked(
        self, button: type[Button], interaction: discord.Interaction, found: re.Match[str]
    ) -> None:
        await button(found).handle(self, interaction)

    async def describe_user_data(self, user_id: int) -> list[str]:
        return await describe_user_data(self.bot.db, user_id, self.content)

    async def delete_user_data(self, user_id: int) -> int:
        return await delete_user_data(self.bot.db, user_id)

    async def allow_start(self, interaction: discord.Interaction) -> bool:
        """A gentle limit on starting over and over; answering is never limited."""
        again = self.starts.hit(interaction.user.id, self.bot.clock.now())
        if again is None:
            return True
        when = discord.utils.format_dt(again + timedelta(seconds=1), "R")
        await send_ephemeral(
            interaction,
            "You've opened the self-check several times in a short while, so let's pause for a moment. "
            f"You can start it again {when}; your saved answers will be waiting.",
        )
        return False

    async def delete_guild_data(self, guild_id: int) -> int:
        """Nothing to purge: runs and results belong to people (deleted by /mydata), never to a server."""
        return 0

    @app_commands.command(name="selfcheck", description="A private reflection: is this career right for you?")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def selfcheck(self, interaction: discord.Interaction) -> None:
        if not await self.allow_start(interaction):
            return
        step = await self.store.begin(interaction.user.id)
        assert step.state is not None
        if step.outcome is Outcome.IN_PROGRESS and step.state.answered > 0:
            await self.offer(interaction, step.state)
            return
        log.info("self-check run %s started (user %s)", step.state.run_id, interaction.user.id)
        await self.deliver(interaction, step.state, from_offer=False)

    # ----- messages

    def question_message(self, state: RunState) -> tuple[discord.Embed, discord.ui.View]:
        screen = question_screen(state, self.content)
        intro = f"{screen.intro}\n\n" if screen.intro else ""
        embed = discord.Embed(
            title=f"{TITLE} · {screen.heading}",
            description=f"{intro}**{screen.statement}**\n\nHow often is this true for you?",
            colour=COLOUR,
        )
        embed.set_footer(text=f"{screen.progress}  ·  {FOOTER}")
        answers = [
            button_json(
                QuestionButton.answer_id(state.run_id, screen.index, value),
                label,
                primary=screen.selected == value,
            )
            for value, label in enumerate(screen.labels)
        ]
        back = button_json(
            QuestionButton.back_id(state.run_id, screen.index),
            "Back",
            disabled=not screen.can_go_back,
            emoji="↩️",
        )
        view = Rendered(answers, [back])
        return embed, view

    def result_message(self, summary: Summary) -> tuple[discord.Embed, discord.ui.View]:
        screen = result_screen(summary, self.content)
        embed = discord.Embed(title=screen.title, description=screen.reflection, colour=COLOUR)
        for name, value in screen.fields:
            embed.add_field(name=name, value=value, inline=False)
        embed.add_field(
            name="Please keep in mind", value=f"{screen.disclaimer}\n{screen.resources}", inline=False
        )
        embed.set_footer(text=RESULT_FOOTER)
        return embed, Rendered([button_json(RetakeButton.CUSTOM_ID, "Retake", emoji="🔁")])

    # ----- flows

    async def show_step(self, interaction: discord.Interaction, step: Step, question: int) -> None:
        """Edit the clicked message to where the run now stands, or explain privately why nothing changed."""
        log.debug("self-check click: %s (user %s)", step.outcome.value, interaction.user.id)
        if step.outcome is Outcome.COMPLETED and step.summary is not None:
            log.info("self-check run %s finished (user %s)", step.summary.run_id, interaction.user.id)
            embed, view = self.result_message(step.summary)
            await interaction.response.edit_message(content=None, embed=embed, view=view)
        elif step.outcome in (Outcome.ADVANCED, Outcome.WENT_BACK, Outcome.DUPLICATE) and step.state:
            embed, view = self.question_message(step.state)
            await interaction.response.edit_message(content=None, embed=embed, view=view)
        elif step.outcome is Outcome.OTHER_QUESTION and step.state is not None:
            # Bring the clicked message up to date too: after a crash between saving an answer and
            # editing the message, this message is the only one the person has.
            now = min(step.state.position, step.state.total - 1) + 1
            embed, view = self.question_message(step.state)
            await interaction.response.edit_message(content=None, embed=embed, view=view)
            await send_ephemeral(
                interaction,
                f"That button was for question {question + 1}, and you've moved on to question {now}, so "
                "I've brought this message up to date. Nothing was changed; your answers are safe.",
            )
        else:
            await self.note(interaction, step)

    async def note(self, interaction: discord.Interaction, step: Step) -> None:
        await send_ephemeral(interaction, NOTES.get(step.outcome, NOTES[Outcome.GONE]))

    async def offer(self, interaction: discord.Interaction, state: RunState) -> None:
        """An unfinished run: offer to resume it or start over, privately."""
        shown = min(state.position, state.total - 1) + 1
        view = Rendered(
            [
                button_json(OfferButton.custom_id_for("resume", state.run_id), "Resume", primary=True),
                button_json(OfferButton.custom_id_for("over", state.run_id), "Start over"),
            ]
        )
        await send_ephemeral(
            interaction,
            f"You have a self-check in progress: you're on question {shown} of {state.total}, with "
            f"{plural(state.answered, 'answer')} saved. "
            "Would you like to pick up where you left off, or start over?",
            view=view,
        )

    async def deliver(self, interaction: discord.Interaction, state: RunState, *, from_offer: bool) -> None:
        """Send the current question to the person's DMs and say so; if DMs are closed, offer it here."""
        embed, view = self.question_message(state)
        if _in_dm(interaction):
            if from_offer:
                await interaction.response.edit_message(content=HERE_BELOW, embed=None, view=None)
                await interaction.followup.send(embed=embed, view=view)
            else:
                await interaction.response.send_message(embed=embed, view=view)
            return
        if from_offer:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            message = await interaction.user.send(embed=embed, view=view)
        except discord.Forbidden:
            log.info("self-check DMs closed (user %s)", interaction.user.id)
            if from_offer:
                # They already chose to go on; one more "Take it here" press would be one too many.
                await interaction.edit_original_response(content=DMS_CLOSED_HERE, embed=embed, view=view)
                return
            here = Rendered(
                [button_json(HereButton.custom_id_for(state.run_id), "Take it here", primary=True)]
            )
            await interaction.edit_original_response(content=DMS_CLOSED, embed=None, view=here)
            return
        except discord.HTTPException as exc:
            log.warning("self-check DM failed with %s (user %s)", exc.status, interaction.user.id)
            await interaction.edit_original_response(content=DM_FAILED, embed=None, view=None)
            return
        link = Rendered([{"type": 2, "style": 5, "label": "Open your DMs", "url": message.jump_url}])
        await interaction.edit_original_response(content=SENT, embed=None, view=link)


def _in_dm(interaction: discord.Interaction) -> bool:
    return interaction.guild_id is None and isinstance(interaction.channel, discord.DMChannel)
