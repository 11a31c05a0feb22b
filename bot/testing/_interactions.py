"""Interactions as a person in a Discord client makes them, and what the bot did with each."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from bot.testing._gateway import Gateway
from bot.testing._world import BOT_PERMS, EPHEMERAL, App, Channel, Guild, User, snowflake


class InteractionResult:
    """What the bot did with one interaction: its callback, and the edits and followups after it."""

    def __init__(
        self, server: Interactions, interaction_id: int, token: str, app: App, channel_id: int
    ) -> None:
        self.server = server
        self.channel_id = channel_id
        self.id = interaction_id
        self.token = token
        self.app = app
        self.sent_at = time.perf_counter()
        # Discord's 3 seconds run on real time (the network's), never on the bot's fake clock.
        self.deadline = asyncio.get_running_loop().time() + server.interaction_deadline
        self.expired = False
        self.answered_at: float | None = None
        self.callback: dict[str, Any] | None = None
        self.original: dict[str, Any] | None = None
        self.followups: list[dict[str, Any]] = []
        self.component_message: dict[str, Any] | None = None
        self.changed = asyncio.Event()

    def _touch(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    async def wait(
        self, predicate: Callable[[InteractionResult], bool] | None = None, timeout: float = 10
    ) -> Any:
        """Wait for the callback (and, with a predicate, until it holds); returns self."""
        check = predicate or (lambda r: r.callback is not None)
        async with asyncio.timeout(timeout):
            while not check(self):
                await self.changed.wait()
        return self

    async def final(self, timeout: float = 10) -> dict[str, Any]:
        """The visible answer: the message sent, the edit after a defer, or the first followup."""
        await self.wait(timeout=timeout)
        assert self.callback is not None
        kind = self.callback["type"]
        if kind in (5, 6):
            await self.wait(
                lambda r: bool(r.followups) or bool(r.original and not r.original.get("_loading")), timeout
            )
            if self.followups:
                return self.followups[0]
            assert self.original is not None
            return self.original
        if kind == 7:
            assert self.component_message is not None
            return self.component_message
        return self.original or self.callback.get("data") or {}

    @property
    def type(self) -> int:
        assert self.callback is not None, "no callback yet"
        return int(self.callback["type"])

    @property
    def data(self) -> dict[str, Any]:
        assert self.callback is not None, "no callback yet"
        return self.callback.get("data") or {}

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.data.get("flags", 0)) & EPHEMERAL)

    @property
    def choices(self) -> list[dict[str, Any]]:
        return list(self.data.get("choices", []))


class Interactions(Gateway):
    """Slash commands, autocomplete, buttons, selects and modals, sent over the gateway."""

    def __init__(self) -> None:
        super().__init__()
        self.interaction_deadline = 3.0  # seconds for the initial callback, as on Discord
        self._interactions: dict[str, InteractionResult] = {}

    def _commands_for(self, app: App, guild: Guild | None) -> list[dict[str, Any]]:
        scoped = app.guild_commands.get(guild.id, []) if guild else []
        return scoped + app.global_commands

    def _base_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        user: User,
        guild: Guild | None,
        channel: Channel | None,
        app: App,
    ) -> tuple[dict[str, Any], InteractionResult]:
        interaction_id = snowflake()
        token = f"tok{interaction_id}"
        if guild is not None:
            channel = channel or next(iter(guild.channels.values()))
        elif channel is None:
            channel = self.dm_for(user)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(app.id),
            "type": kind,
            "data": data,
            "channel_id": str(channel.id),
            "channel": channel.payload(),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id) if guild else "0"},
            "attachment_size_limit": 8 * 1024 * 1024,
            "app_permissions": str(BOT_PERMS),
        }
        if guild is not None:
            member = self.member_payload(guild, user.id)
            member["permissions"] = str(guild.permissions(user.id))
            payload.update(
                guild_id=str(guild.id),
                member=member,
                guild_locale="en-US",
                context=0,
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
            )
        else:
            payload.update(user=user.payload(), context=1)
        result = InteractionResult(self, interaction_id, token, app, channel.id)
        self._interactions[token] = result
        return payload, result

    def _options(
        self, schema: list[dict[str, Any]], values: dict[str, Any], guild: Guild | None, focused: str | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        by_name = {o["name"]: o for o in schema}
        options: list[dict[str, Any]] = []
        resolved: dict[str, Any] = {}
        for name, value in values.items():
            # A trailing underscore reaches options named like slash() parameters (channel_=, user_=).
            option = by_name.get(name.replace("_", "-")) or by_name.get(name) or by_name.get(name.rstrip("_"))
            if option is None:
                raise KeyError(f"no option {name!r}; the command has {sorted(by_name)}")
            kind = option["type"]
            entry: dict[str, Any] = {"name": option["name"], "type": kind}
            if kind == 7:
                channel = value if isinstance(value, Channel) else self.channels[int(value)]
                entry["value"] = str(channel.id)
                data = channel.payload()
                data["permissions"] = str(BOT_PERMS)
                resolved.setdefault("channels", {})[str(channel.id)] = data
            elif kind in (6, 9):
                user = value if isinstance(value, User) else self.users[int(value)]
                entry["value"] = str(user.id)
                resolved.setdefault("users", {})[str(user.id)] = user.payload()
            else:
                entry["value"] = value
            if focused == option["name"]:
                entry["focused"] = True
            options.append(entry)
        return options, resolved

    def _command_data(
        self, app: App, guild: Guild | None, path: str, values: dict[str, Any], focused: str | None
    ) -> dict[str, Any]:
        names = path.split()
        command = next((c for c in self._commands_for(app, guild) if c["name"] == names[0]), None)
        if command is None:
            raise KeyError(f"/{names[0]} is not registered with the local Discord server")
        data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1}
        schema = command.get("options") or []
        holder = data
        for name in names[1:]:
            sub = next((o for o in schema if o["name"] == name and o["type"] in (1, 2)), None)
            if sub is None:
                raise KeyError(f"/{path}: no subcommand {name!r}")
            entry: dict[str, Any] = {"name": name, "type": sub["type"]}
            holder.setdefault("options", []).append(entry)
            holder, schema = entry, sub.get("options") or []
        options, resolved = self._options(schema, values, guild, focused)
        holder["options"] = options
        if resolved:
            data["resolved"] = resolved
        if guild is not None:
            data["guild_id"] = str(guild.id)
        return data

    async def slash(
        self,
        path: str,
        *,
        user: User,
        guild: Guild | None = None,
        channel: Channel | None = None,
        app: App | None = None,
        **values: Any,
    ) -> InteractionResult:
        """Run ``/path`` (``"config region"`` for a subcommand) with option values, as ``user``."""
        app = app or self.app
        data = self._command_data(app, guild, path, values, None)
        payload, result = self._base_interaction(2, data, user, guild, channel, app)
        self.dispatch("INTERACTION_CREATE", payload, app)
        return result

    async def autocomplete(
        self,
        path: str,
        focused: str,
        *,
        user: User,
        guild: Guild | None = None,
        channel: Channel | None = None,
        app: App | None = None,
        **values: Any,
    ) -> list[dict[str, Any]]:
        """Type into option ``focused``; returns the choices the bot offered."""
        app = app or self.app
        data = self._command_data(app, guild, path, values, focused)
        payload, result = self._base_interaction(4, data, user, guild, channel, app)
        self.dispatch("INTERACTION_CREATE", payload, app)
        await result.wait()
        assert result.type == 8, result.callback
        return result.choices

    async def click(
        self, message: dict[str, Any], custom_id: str, *, user: User, app: App | None = None
    ) -> InteractionResult:
        """Press a button on a message the bot sent (a channel message, a DM, or an ephemeral reply)."""
        return self._component(message, {"custom_id": custom_id, "component_type": 2}, user, app)

    async def select(
        self,
        message: dict[str, Any],
        custom_id: str,
        values: list[str],
        *,
        user: User,
        app: App | None = None,
    ) -> InteractionResult:
        """Choose ``values`` in a select menu on a message the bot sent."""
        return self._component(
            message, {"custom_id": custom_id, "component_type": 3, "values": values}, user, app
        )

    def _component(
        self, message: dict[str, Any], data: dict[str, Any], user: User, app: App | None
    ) -> InteractionResult:
        app = app or self.app
        channel = self.channels[int(message["channel_id"])]
        guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
        payload, result = self._base_interaction(3, data, user, guild, channel, app)
        payload["message"] = {k: v for k, v in message.items() if not k.startswith("_")}
        result.component_message = message
        self.dispatch("INTERACTION_CREATE", payload, app)
        return result

    async def submit_modal(
        self,
        custom_id: str,
        values: dict[str, str],
        *,
        user: User,
        guild: Guild | None = None,
        channel: Channel | None = None,
        app: App | None = None,
    ) -> InteractionResult:
        app = app or self.app
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in values.items()
        ]
        payload, result = self._base_interaction(
            5, {"custom_id": custom_id, "components": rows}, user, guild, channel, app
        )
        self.dispatch("INTERACTION_CREATE", payload, app)
        return result

    # ----- reading back
