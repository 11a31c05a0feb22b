"""REST routes under ``/api/v10``: commands, interaction callbacks and webhooks, channels and messages."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.testing._faults import DiscordError, Faults, error_response, json_response
from bot.testing._interactions import InteractionResult
from bot.testing._limits import check_limits
from bot.testing._world import EPHEMERAL, App, Channel, Request, snowflake


class Rest(Faults):
    """Every REST call is recorded, checked against faults and Discord's limits, then routed."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Request] = []
        self.violations: list[str] = []
        self.late_callbacks = 0
        self.nonce_window = timedelta(minutes=5)
        self._nonces: dict[tuple[int, str], tuple[datetime, dict[str, Any]]] = {}
        self._request_event = asyncio.Event()
        self._compiled: dict[str, list[tuple[re.Pattern[str], Callable[..., Awaitable[Any]]]]] | None = None

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if raw:
                if request.content_type == "multipart/form-data":
                    body = {"_multipart": True}
                else:
                    body = json.loads(raw)
        record = Request(request.method, path, dict(request.query), body, at=time.perf_counter())
        self.requests.append(record)
        self._request_event.set()
        self._request_event = asyncio.Event()
        lost = self._lost(request.method, path)
        if lost is not None and not lost.stored:
            return self._drop(request, record)
        response = self._injected(request.method, path) or self._rate_limit(request)
        if response is None and isinstance(body, dict) and request.method in ("POST", "PATCH"):
            problem = check_limits(body.get("data") if "/callback" in path else body)
            if problem:
                self.violations.append(f"{request.method} {path}: {problem}")
                response = error_response(400, 50035, f"Invalid Form Body: {problem}")
        if response is None:
            try:
                response = await self._route(request, path, body)
            except DiscordError as err:
                response = error_response(err.status, err.code, err.message)
        if lost is not None and response.status < 300:
            return self._drop(request, record)
        record.status = response.status
        return response

    def _app_for(self, request: web.Request) -> App:
        token = request.headers.get("Authorization", "").removeprefix("Bot ")
        app = self.apps.get(token)
        if app is None:
            raise DiscordError(401, 0, "401: Unauthorized")
        return app

    async def _route(self, request: web.Request, path: str, body: Any) -> web.Response:
        method = request.method
        if self._compiled is None:
            self._compiled = {}
            for pattern, handler_method, handler in self._routes():
                self._compiled.setdefault(handler_method, []).append((re.compile(pattern), handler))
        for compiled, handler in self._compiled.get(method, ()):
            m = compiled.fullmatch(path)
            if m:
                result = await handler(request, body, *m.groups())
                if result is None:
                    return web.Response(status=204)
                return json_response(result)
        raise DiscordError(404, 0, f"404: Not Found ({method} {path})")

    def _routes(self) -> list[tuple[str, str, Callable[..., Awaitable[Any]]]]:
        return [
            (r"/users/@me", "GET", self._me),
            (r"/gateway/bot", "GET", self._gateway_bot),
            (r"/oauth2/applications/@me", "GET", self._app_info),
            (r"/applications/(\d+)/commands", "PUT", self._put_commands),
            (r"/applications/(\d+)/commands", "GET", self._get_commands),
            (r"/applications/(\d+)/guilds/(\d+)/commands", "PUT", self._put_guild_commands),
            (r"/applications/(\d+)/guilds/(\d+)/commands", "GET", self._get_guild_commands),
            (r"/interactions/(\d+)/([^/]+)/callback", "POST", self._callback),
            (r"/webhooks/(\d+)/([^/]+)/messages/@original", "PATCH", self._edit_original),
            (r"/webhooks/(\d+)/([^/]+)/messages/@original", "GET", self._get_original),
            (r"/webhooks/(\d+)/([^/]+)/messages/@original", "DELETE", self._delete_original),
            (r"/webhooks/(\d+)/([^/]+)", "POST", self._followup),
            (r"/webhooks/(\d+)/([^/]+)/messages/(\d+)", "PATCH", self._edit_followup),
            (r"/users/@me/channels", "POST", self._create_dm),
            (r"/channels/(\d+)", "GET", self._get_channel),
            (r"/channels/(\d+)/messages", "POST", self._send_message),
            (r"/channels/(\d+)/messages", "GET", self._list_messages),
            (r"/channels/(\d+)/messages/(\d+)", "PATCH", self._edit_message),
            (r"/channels/(\d+)/messages/(\d+)", "GET", self._get_message),
            (r"/channels/(\d+)/messages/(\d+)", "DELETE", self._delete_message),
            (r"/channels/(\d+)/messages/(\d+)/threads", "POST", self._start_thread),
            (r"/guilds/(\d+)", "GET", self._get_guild),
            (r"/users/(\d+)", "GET", self._get_user),
        ]

    async def _gateway_bot(self, request: web.Request, body: Any) -> Any:
        """The recommended shard count, as Discord gives it to a bot that asks."""
        self._app_for(request)
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return {"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": limit}

    async def _me(self, request: web.Request, body: Any) -> Any:
        return self._app_for(request).user.payload()

    async def _app_info(self, request: web.Request, body: Any) -> Any:
        app = self._app_for(request)
        return {
            "id": str(app.id),
            "name": app.user.username,
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.admin.payload(),
            "summary": "",
            "verify_key": "0" * 64,
            "team": None,
            "flags": 0,
            "bot": app.user.payload(),
        }

    def _store_commands(
        self, app: App, body: list[dict[str, Any]], old: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        ids = {c["name"]: c["id"] for c in old}
        return [
            {**c, "id": ids.get(c["name"], str(snowflake())), "application_id": str(app.id), "version": "1"}
            for c in body
        ]

    async def _put_commands(self, request: web.Request, body: Any, app_id: str) -> Any:
        app = self._app_for(request)
        app.global_commands = self._store_commands(app, body, app.global_commands)
        return app.global_commands

    async def _get_commands(self, request: web.Request, body: Any, app_id: str) -> Any:
        return self._app_for(request).global_commands

    async def _put_guild_commands(self, request: web.Request, body: Any, app_id: str, guild_id: str) -> Any:
        app = self._app_for(request)
        old = app.guild_commands.get(int(guild_id), [])
        stored = [{**c, "guild_id": guild_id} for c in self._store_commands(app, body, old)]
        app.guild_commands[int(guild_id)] = stored
        return stored

    async def _get_guild_commands(self, request: web.Request, body: Any, app_id: str, guild_id: str) -> Any:
        return self._app_for(request).guild_commands.get(int(guild_id), [])

    def _result(self, token: str) -> InteractionResult:
        result = self._interactions.get(token)
        if result is None:
            raise DiscordError(404, 10015, "Unknown Webhook")
        return result

    async def _callback(self, request: web.Request, body: Any, interaction_id: str, token: str) -> Any:
        result = self._result(token)
        if result.callback is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if asyncio.get_running_loop().time() > result.deadline:
            result.expired = True
            self.late_callbacks += 1
            raise DiscordError(404, 10062, "Unknown interaction")
        result.callback = body
        result.answered_at = time.perf_counter()
        kind = body["type"]
        data = body.get("data") or {}
        channel_id = result.channel_id
        if kind == 4:
            result.original = self._new_message(channel_id, result.app.user, data, type=20)
            if not data.get("flags", 0) & EPHEMERAL:
                self.messages.setdefault(channel_id, []).append(result.original)
        elif kind == 5:
            result.original = self._new_message(channel_id, result.app.user, data, type=20, _loading=True)
        elif kind == 7 and result.component_message is not None:
            self._apply_edit(result.component_message, data)
        result._touch()
        resource: dict[str, Any] = {"type": kind}
        if result.original is not None:
            resource["message"] = result.original
        return {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_id": None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL),
            },
            "resource": resource,
        }

    async def _edit_original(self, request: web.Request, body: Any, app_id: str, token: str) -> Any:
        result = self._result(token)
        target = result.original
        if result.callback is not None and result.callback["type"] in (6, 7) and result.component_message:
            target = result.component_message
        if target is None:
            raise DiscordError(404, 10008, "Unknown Message")
        self._apply_edit(target, body)
        result._touch()
        return target

    async def _get_original(self, request: web.Request, body: Any, app_id: str, token: str) -> Any:
        result = self._result(token)
        if result.original is None:
            raise DiscordError(404, 10008, "Unknown Message")
        return result.original

    async def _delete_original(self, request: web.Request, body: Any, app_id: str, token: str) -> Any:
        result = self._result(token)
        result.original = None
        result._touch()
        return None

    async def _followup(self, request: web.Request, body: Any, app_id: str, token: str) -> Any:
        result = self._result(token)
        message = self._new_message(result.channel_id, result.app.user, body)
        result.followups.append(message)
        if not int(body.get("flags") or 0) & EPHEMERAL:
            self.messages.setdefault(int(message["channel_id"]), []).append(message)
        result._touch()
        return message

    async def _edit_followup(
        self, request: web.Request, body: Any, app_id: str, token: str, message_id: str
    ) -> Any:
        result = self._result(token)
        for message in result.followups:
            if message["id"] == message_id:
                self._apply_edit(message, body)
                result._touch()
                return message
        raise DiscordError(404, 10008, "Unknown Message")

    async def _create_dm(self, request: web.Request, body: Any) -> Any:
        user = self.users.get(int(body["recipient_id"]))
        if user is None:
            raise DiscordError(400, 50033, "Invalid Recipients")
        return self.dm_for(user).payload()

    def _channel(self, channel_id: str) -> Channel:
        channel = self.channels.get(int(channel_id))
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return channel

    async def _get_channel(self, request: web.Request, body: Any, channel_id: str) -> Any:
        return self._channel(channel_id).payload()

    async def _send_message(self, request: web.Request, body: Any, channel_id: str) -> Any:
        app = self._app_for(request)
        channel = self._channel(channel_id)
        if channel.type == 1 and channel.recipient and channel.recipient.id in self.closed_dms:
            raise DiscordError(403, 50007, "Cannot send messages to this user")
        if not channel.bot_can_send:
            raise DiscordError(403, 50013, "Missing Permissions")
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            seen = self._nonces.get((channel.id, str(nonce)))
            if seen is not None and self.now() - seen[0] < self.nonce_window:
                return seen[1]
        message = self._new_message(channel.id, app.user, body)
        if nonce is not None:
            message["nonce"] = nonce
            self._nonces[(channel.id, str(nonce))] = (self.now(), message)
        self.messages.setdefault(channel.id, []).append(message)
        return message

    async def _list_messages(self, request: web.Request, body: Any, channel_id: str) -> Any:
        """GET messages: newest first, at most ``limit`` (1..100), those nearest ``after`` or ``before``."""
        self._channel(channel_id)
        limit = max(1, min(100, int(request.query.get("limit", "50"))))
        found = sorted(self.messages.get(int(channel_id), []), key=lambda m: int(m["id"]))
        found = [m for m in found if not m.get("_loading")]
        if "after" in request.query:
            found = [m for m in found if int(m["id"]) > int(request.query["after"])][:limit]
        elif "before" in request.query:
            found = [m for m in found if int(m["id"]) < int(request.query["before"])][-limit:]
        else:
            found = found[-limit:]
        hidden = ("nonce", "_loading")  # Discord returns the nonce only to the request that sent it
        return [{k: v for k, v in m.items() if k not in hidden} for m in reversed(found)]

    def _find_message(self, channel_id: str, message_id: str) -> dict[str, Any]:
        for message in self.messages.get(int(channel_id), []):
            if message["id"] == message_id:
                return message
        raise DiscordError(404, 10008, "Unknown Message")

    async def _edit_message(self, request: web.Request, body: Any, channel_id: str, message_id: str) -> Any:
        message = self._find_message(channel_id, message_id)
        self._apply_edit(message, body)
        return message

    async def _get_message(self, request: web.Request, body: Any, channel_id: str, message_id: str) -> Any:
        return self._find_message(channel_id, message_id)

    async def _delete_message(self, request: web.Request, body: Any, channel_id: str, message_id: str) -> Any:
        message = self._find_message(channel_id, message_id)
        self.messages[int(channel_id)].remove(message)
        return None

    async def _start_thread(self, request: web.Request, body: Any, channel_id: str, message_id: str) -> Any:
        parent = self._channel(channel_id)
        self._find_message(channel_id, message_id)
        thread = Channel(
            int(message_id),
            body.get("name", "thread"),
            type=11,
            guild_id=parent.guild_id,
            parent_id=parent.id,
        )
        self.channels[thread.id] = thread
        if parent.guild_id is not None:
            self.guilds[parent.guild_id].channels[thread.id] = thread
        return thread.payload()

    async def _get_guild(self, request: web.Request, body: Any, guild_id: str) -> Any:
        guild = self.guilds.get(int(guild_id))
        if guild is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        return self.guild_payload(guild, self._app_for(request))

    async def _get_user(self, request: web.Request, body: Any, user_id: str) -> Any:
        user = self.users.get(int(user_id))
        if user is None:
            raise DiscordError(404, 10013, "Unknown User")
        return user.payload()
