"""The career self-check extension: the cog, its buttons and its texts, each in a private module."""

from bot.client import SteadyBot
from cogs.selfcheck._buttons import BUTTONS, HereButton, OfferButton, QuestionButton, RetakeButton
from cogs.selfcheck._cog import SelfCheck
from cogs.selfcheck._texts import Rendered

__all__ = [
    "BUTTONS",
    "HereButton",
    "OfferButton",
    "QuestionButton",
    "Rendered",
    "RetakeButton",
    "SelfCheck",
    "setup",
]


async def setup(bot: SteadyBot) -> None:
    await bot.add_cog(SelfCheck(bot))
