"""`/selfcheck`: the career self-check in DMs, one statement at a time, with buttons that survive restarts.

Every button's custom id carries its run and question, so any click can be answered from the database alone.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

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
from cogs._views import Guarded

log = logging.getLogger(__name__)
COLOUR = discord.Colour.teal()
TITLE = "Career self-check"

SENT = "I've sent the self-check to your DMs. Take your time: each answer is saved as you go."
HERE_BELOW = "Here it is, just below."
DMS_CLOSED = (
    "I couldn't send you a direct message; your privacy settings may block DMs from server members.\n"
    "To allow them: click this server's name at the top of the channel list, choose **Privacy Settings**, "
    "and turn on **Direct Messages**. Then use `/selfcheck` again.\n"
    "Or take it right here instead. Only you will see it."
)
DMS_CLOSED_HERE = (
    "I couldn't send you a direct message (your privacy settings may block DMs from server members), "
    "so here it is instead. Only you can see it."
)
DM_FAILED = (
    "I couldn't reach your DMs just now. Your progress is saved; please try `/selfcheck` again in a moment."
)
FOOTER = "No one in the server sees your answers. Each one is saved as you go."
RESULT_FOOTER = "No one in the server sees this. /mydata shows or deletes what Steady keeps about you."
NOTES: dict[Outcome, str] = {
    Outcome.FINISHED: (
        "This self-check is already finished, so there's nothing more to answer here. Your reflection is in "
        "the message with your result; press **Retake** there, or use `/selfcheck`, to begin again."
    ),
    Outcome.GONE: (
        "This self-check was replaced when you started over, so this button no longer does anything. "
        "Use `/selfcheck` to carry on with your current one."
    ),
    Outcome.NOT_YOURS: "This button belongs to someone else's self-check. Use `/selfcheck` to take your own.",
    Outcome.CONTENT_CHANGED: (
        "The self-check has been updated since this question was sent, so this run can't continue. "
        "Use `/selfcheck` to start the new version."
    ),
    Outcome.INVALID_VALUE: "That isn't one of the answers. Please choose a button under the statement.",
    Outcome.FIRST_QUESTION: "You're on the first question, so there's nothing to go back to.",
}
BROKEN = "Something went wrong on my side, and nothing was changed. Please try again in a moment."
_INT = "[0-9]{1,19}"
STARTS_PER_WINDOW = 6
STARTS_WINDOW = timedelta(minutes=10)


def _cog(interaction: discord.Interaction) -> SelfCheck | None:
    cog = interaction.client.get_cog("SelfCheck") if isinstance(interaction.client, commands.Bot) else None
    return cog if isinstance(cog, SelfCheck) else None


class Rendered(discord.ui.View):
    """Components already in Discord's JSON form. Clicks are routed by the DynamicItem classes registered
    in ``cog_load``, so discord.py need keep nothing per message, and building no item objects for every
    edit spares the garbage collector (measured: it dominated CPU under load)."""

    def __init__(self, *rows: list[dict[str, Any]]) -> None:
        super().__init__(timeout=None)
        self._rows = [{"type": 1, "components": row} for row in rows if row]

    def to_components(self) -> list[dict[str, Any]]:
        return self._rows

    def is_dispatchable(self) -> bool:
        return False


def _button(
    custom_id: str, label: str, *, primary: bool = False, disabled: bool = False, emoji: str = ""
) -> dict[str, Any]:
    button: dict[str, Any] = {"type": 2, "style": 1 if primary else 2, "label": label, "custom_id": custom_id}
    if disabled:
        button["disabled"] = True
    if emoji:
        button["emoji"] = {"name": emoji}
    return button


class _Button(Guarded, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"selfcheck:base"):
    """Shared plumbing: route the click to the cog, and never let an error reach the person raw."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(custom_id=custom_id))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = _cog(interaction)
        if cog is None:
            await send_ephemeral(interaction, BROKEN)
            return
        await self.handle(cog, interaction)

    async def handle(self, cog: SelfCheck, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class AnswerButton(_Button, template=rf"selfcheck:a:(?P<run>{_INT}):(?P<q>[0-9]{{1,3}}):(?P<v>[0-9])"):
    def __init__(self, run_id: int, question: int, value: int) -> None:
        super().__init__(self.custom_id_for(run_id, question, value))
        self.run_id, self.question, self.value = run_id, question, value

    @staticmethod
    def custom_id_for(run_id: int, question: int, value: int) -> str:
        return f"selfcheck:a:{run_id}:{question}:{value}"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        return cls(int(match["run"]), int(match["q"]), int(match["v"]))

    async def handle(self, cog: SelfCheck, interaction: discord.Interaction) -> None:
        step = await cog.store.answer(interaction.user.id, self.run_id, self.question, self.value)
        await cog.show_step(interaction, step, self.question)


class BackButton(_Button, template=rf"selfcheck:b:(?P<run>{_INT}):(?P<q>[0-9]{{1,3}})"):
    def __init__(self, run_id: int, question: int) -> None:
        super().__init__(self.custom_id_for(run_id, question))
        self.run_id, self.question = run_id, question

    @staticmethod
    def custom_id_for(run_id: int, question: int) -> str:
        return f"selfcheck:b:{run_id}:{question}"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> BackButton:
        return cls(int(match["run"]), int(match["q"]))

    async def handle(self, cog: SelfCheck, interaction: discord.Interaction) -> None:
        step = await cog.store.back(interaction.user.id, self.run_id, self.question)
        await cog.show_step(interaction, step, self.question)


class ResumeButton(_Button, template=rf"selfcheck:resume:(?P<run>{_INT})"):
    def __init__(self, run_id: int) -> None:
        super().__init__(self.custom_id_for(run_id))
        self.run_id = run_id

    @staticmethod
    def custom_id_for(run_id: int) -> str:
        return f"selfcheck:resume:{run_id}"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ResumeButton:
        return cls(int(match["run"]))

    async def handle(self, cog: SelfCheck, interaction: discord.Interaction) -> None:
        step = await cog.store.resume(interaction.user.id, self.run_id)
        if step.outcome is Outcome.IN_PROGRESS and step.state is not None:
            await cog.deliver(interaction, step.state, from_offer=True)
        else:
            await cog.note(interaction, step)


class StartOverButton(_Button, template=rf"selfcheck:over:(?P<run>{_INT})"):
    def __init__(self, run_id: int) -> None:
        super().__init__(self.custom_id_for(run_id))
        self.run_id = run_id

    @staticmethod
    def custom_id_for(run_id: int) -> str:
        return f"selfcheck:over:{run_id}"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StartOverButton:
        return cls(int(match["run"]))

    async def handle(self, cog: SelfCheck, interaction: discord.Interaction) -> None:
        if not await cog.allow_start(interaction):
            return
        step = await cog.store.start_over(interaction.user.id, replacing=self.run_id)
        if step.outcome is Outcome.STARTED and step.state is not None:
            log.info("self-check run %s started over (user %s)", step.state.run_id, interaction.user.id)
            await cog.deliver(interaction, step.state, from_offer=True)
        else:
            await send_ephemeral(
                interaction,
                "You've already started a fresh self-check. Use `/selfcheck` to pick it up where you are.",
            )


class RetakeButton(_Button, template=r"selfcheck:retake"):
    def __init__(self) -> None:
        super().__init__(self.custom_id_for())

    @staticmethod
    def custom_id_for() -> str:
        return "selfcheck:retake"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RetakeButton:
        return cls()

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


class HereButton(_Button, template=rf"selfcheck:here:(?P<run>{_INT})"):
    def __init__(self, run_id: int) -> None:
        super().__init__(self.custom_id_for(run_id))
        self.run_id = run_id

    @staticmethod
    def custom_id_for(run_id: int) -> str:
        return f"selfcheck:here:{run_id}"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> HereButton:
        return cls(int(match["run"]))

    async def handle(self, cog: SelfCheck, interaction: discord.Interaction) -> None:
        step = await cog.store.resume(interaction.user.id, self.run_id)
        if step.outcome is Outcome.IN_PROGRESS and step.state is not None:
            embed, view = cog.question_message(step.state)
            await interaction.response.edit_message(content=None, embed=embed, view=view)
        else:
            await cog.note(interaction, step)


BUTTONS = (AnswerButton, BackButton, ResumeButton, StartOverButton, RetakeButton, HereButton)


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
        self.bot.add_dynamic_items(*BUTTONS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*BUTTONS)

    async def describe_user_data(self, user_id: int) -> list[str]:
        return await describe_user_data(self.bot.db, user_id, self.content)

    async def delete_user_data(self, user_id: int) -> int:
        return await delete_user_data(self.bot.db, user_id)

    async def allow_start(self, interaction: discord.Interaction) -> bool:
        """A gentle limit on starting over and over; answering is never limited."""
        again = self.starts.hit(interaction.user.id, self.bot.clock.now())
        if again is None:
            return True
        await send_ephemeral(
            interaction,
            "You've opened the self-check several times in a short while, so let's pause for a moment. "
            f"You can start it again <t:{int(again.timestamp()) + 1}:R>; your saved answers will be waiting.",
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
            _button(
                AnswerButton.custom_id_for(state.run_id, screen.index, value),
                label,
                primary=screen.selected == value,
            )
            for value, label in enumerate(screen.labels)
        ]
        back = _button(
            BackButton.custom_id_for(state.run_id, screen.index),
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
        return embed, Rendered([_button(RetakeButton.custom_id_for(), "Retake", emoji="🔁")])

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
                _button(ResumeButton.custom_id_for(state.run_id), "Resume", primary=True),
                _button(StartOverButton.custom_id_for(state.run_id), "Start over"),
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
            here = Rendered([_button(HereButton.custom_id_for(state.run_id), "Take it here", primary=True)])
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


async def setup(bot: SteadyBot) -> None:
    await bot.add_cog(SelfCheck(bot))
