"""A local Discord for tests and the sandbox: the server, and ways to run the real bot against it."""

from bot.testing.discord_server import (
    App,
    Channel,
    DiscordServer,
    Guild,
    InteractionResult,
    User,
    buttons_of,
    text_of,
)
from bot.testing.harness import (
    BotProcess,
    RunningBot,
    collector_held,
    pinned,
    point_discord_at,
    split_cores,
    start_bot,
)

__all__ = [
    "App",
    "BotProcess",
    "Channel",
    "DiscordServer",
    "Guild",
    "InteractionResult",
    "RunningBot",
    "User",
    "buttons_of",
    "collector_held",
    "pinned",
    "point_discord_at",
    "split_cores",
    "start_bot",
    "text_of",
]
