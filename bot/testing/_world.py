"""The fake Discord's memory: applications, users, guilds, channels and messages, and their payloads."""

from __future__ import annotations

import asyncio
import base64
import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

DISCORD_EPOCH_MS = 1420070400000
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_HISTORY = 1 << 16
USE_APP_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_IN_THREADS = 1 << 38
MEMBER_PERMS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_HISTORY | USE_APP_COMMANDS
BOT_PERMS = MEMBER_PERMS | CREATE_PUBLIC_THREADS | SEND_IN_THREADS
EPHEMERAL = 1 << 6
JSON = "application/json"

_ids = itertools.count(1)


def snowflake(at: datetime | None = None) -> int:
    """Time-ordered ids, as Discord's are, so discord.py's ``created_at`` makes sense."""
    ms = int((at.timestamp() if at is not None else time.time()) * 1000)
    return ((ms - DISCORD_EPOCH_MS) << 22) | (next(_ids) % (1 << 22))


def snowflake_on_shard(shard_id: int, shard_count: int) -> int:
    """A fresh snowflake whose ``(id >> 22) % shard_count`` is ``shard_id``."""
    value = snowflake()
    ms = value >> 22
    return ((ms - ms % shard_count + shard_id) << 22) | (value & ((1 << 22) - 1))


def snowflake_time(value: int) -> datetime:
    return datetime.fromtimestamp(((value >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


class ClockLike(Protocol):
    def now(self) -> datetime: ...


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class User:
    id: int
    username: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.username,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
        }


@dataclass
class App:
    """A bot application: its user, token and commands."""

    user: User
    token: str
    id: int
    global_commands: list[dict[str, Any]] = field(default_factory=list)
    guild_commands: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Channel:
    id: int
    name: str
    type: int = 0
    guild_id: int | None = None
    parent_id: int | None = None
    recipient: User | None = None
    bot_can_send: bool = True
    overwrites: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(self.id), "type": self.type, "name": self.name}
        if self.guild_id is not None:
            data.update(
                guild_id=str(self.guild_id), position=0, permission_overwrites=self.overwrites, nsfw=False
            )
        if self.parent_id is not None:
            data["parent_id"] = str(self.parent_id)
        if self.type == 11:
            data["thread_metadata"] = {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": now_iso(),
                "locked": False,
            }
            data.update(owner_id="0", member_count=1, message_count=0)
        if self.recipient is not None:
            data["recipients"] = [self.recipient.payload()]
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)
    admin_role: int = 0
    bot_role: int = 0

    def role_perms(self) -> dict[int, int]:
        return {self.id: MEMBER_PERMS, self.admin_role: MEMBER_PERMS | MANAGE_GUILD, self.bot_role: BOT_PERMS}

    def permissions(self, user_id: int) -> int:
        perms = MEMBER_PERMS
        table = self.role_perms()
        for role in self.members.get(user_id, []):
            perms |= table.get(role, 0)
        return perms

    def channel(self, name: str) -> Channel:
        return next(c for c in self.channels.values() if c.name == name.lstrip("#"))


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 200
    at: float = 0.0


class World:
    """Everything the fake Discord remembers; the other layers read and change it."""

    def __init__(self) -> None:
        self.apps: dict[str, App] = {}
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.closed_dms: set[int] = set()
        self.left_guilds: set[int] = set()
        # Discord keeps an enforced nonce only for a few minutes, on its own clock: here the bot's clock.
        self.clock: ClockLike | None = None
        self.ready_events: dict[str, asyncio.Event] = {}
        self._dm_channels: dict[int, Channel] = {}
        self.app = self.add_application("Steady")
        self.admin = self.add_user("ada")
        self.member = self.add_user("max")

    def add_application(self, name: str) -> App:
        user = User(snowflake(), name, bot=True)
        token = f"{_b64(user.id)}.fake00.{'x' * 20}{len(self.apps)}"
        app = App(user=user, token=token, id=user.id)
        self.apps[token] = app
        self.users[user.id] = user
        self.ready_events[token] = asyncio.Event()
        for guild in self.guilds.values():
            guild.members[user.id] = [guild.bot_role]
        return app

    def add_user(self, name: str) -> User:
        user = User(snowflake(), name)
        self.users[user.id] = user
        for guild in self.guilds.values():
            guild.members.setdefault(user.id, [])
        return user

    def add_guild(
        self,
        name: str,
        channels: tuple[str, ...] = ("general", "quiet-moments"),
        *,
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """A server the bot is in; ``shard=(id, count)`` picks an id that Discord routes to that shard."""
        guild_id = snowflake() if shard is None else snowflake_on_shard(*shard)
        guild = Guild(guild_id, name, owner_id=self.admin.id, admin_role=snowflake(), bot_role=snowflake())
        for channel_name in channels:
            channel = Channel(snowflake(), channel_name, guild_id=guild.id)
            guild.channels[channel.id] = channel
            self.channels[channel.id] = channel
        for user in self.users.values():
            if not user.bot:
                guild.members[user.id] = []
        guild.members[self.admin.id] = [guild.admin_role]
        for app in self.apps.values():
            guild.members[app.user.id] = [guild.bot_role]
        self.guilds[guild.id] = guild
        return guild

    def guild_payload(self, guild: Guild, app: App) -> dict[str, Any]:
        roles = [
            {
                "id": str(rid),
                "name": name,
                "permissions": str(perms),
                "position": pos,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
            for pos, (rid, name, perms) in enumerate(
                [
                    (guild.id, "@everyone", MEMBER_PERMS),
                    (guild.admin_role, "Moderators", MEMBER_PERMS | MANAGE_GUILD),
                    (guild.bot_role, app.user.username, BOT_PERMS),
                ]
            )
        ]
        members = [self.member_payload(guild, uid) for uid in guild.members if uid in self.users]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "owner_id": str(guild.owner_id),
            "roles": roles,
            "channels": [c.payload() for c in guild.channels.values() if c.type != 11],
            "threads": [],
            "members": members,
            "member_count": len(members),
            "large": False,
            "unavailable": False,
            "emojis": [],
            "stickers": [],
            "features": [],
            "voice_states": [],
            "presences": [],
            "joined_at": now_iso(),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "system_channel_flags": 0,
            "premium_tier": 0,
            "nsfw_level": 0,
            "preferred_locale": "en-US",
            "afk_timeout": 300,
        }

    def member_payload(self, guild: Guild, user_id: int) -> dict[str, Any]:
        return {
            "user": self.users[user_id].payload(),
            "roles": [str(r) for r in guild.members[user_id]],
            "joined_at": now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
        }

    def now(self) -> datetime:
        """Discord's idea of now: the bot's clock when one is set (tests move it), else the real one."""
        return self.clock.now() if self.clock is not None else datetime.now(UTC)

    def dm_for(self, user: User) -> Channel:
        """The user's DM channel with the bot, opened on first use."""
        channel = self._dm_channels.get(user.id)
        if channel is None:
            channel = Channel(snowflake(), "", type=1, recipient=user)
            self._dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    def dm_channel(self, user: User) -> Channel | None:
        return self._dm_channels.get(user.id)

    def dm_messages(self, user: User) -> list[dict[str, Any]]:
        channel = self._dm_channels.get(user.id)
        return self.messages.get(channel.id, []) if channel else []

    def channel_messages(self, channel: Channel) -> list[dict[str, Any]]:
        return list(self.messages.get(channel.id, []))

    def _new_message(
        self, channel_id: int, author: User, body: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        channel = self.channels.get(channel_id)
        now = self.now()
        message = {
            "id": str(snowflake(now)),
            "channel_id": str(channel_id),
            "author": author.payload(),
            "content": body.get("content") or "",
            "timestamp": now.isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": int(body.get("flags") or 0),
            "allowed_mentions": body.get("allowed_mentions"),
        }
        if channel is not None and channel.guild_id is not None:
            message["guild_id"] = str(channel.guild_id)
        message.update(extra)
        return message

    @staticmethod
    def _apply_edit(message: dict[str, Any], data: dict[str, Any]) -> None:
        for key in ("content", "embeds", "components", "flags", "allowed_mentions"):
            if key in data:
                message[key] = data[key] if data[key] is not None else ([] if key != "content" else "")
        message["edited_timestamp"] = now_iso()
        message.pop("_loading", None)


def _b64(user_id: int) -> str:
    return base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")
