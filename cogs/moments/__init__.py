"""The quiet moments extension: the cog, its posting, and its texts, each in a private module."""

from bot.client import SteadyBot
from cogs.moments._cog import QuietMoments
from cogs.moments._review import ReviewButton
from cogs.moments._texts import moment_embed

__all__ = ["QuietMoments", "ReviewButton", "moment_embed", "setup"]


async def setup(bot: SteadyBot) -> None:
    await bot.add_cog(QuietMoments(bot))
