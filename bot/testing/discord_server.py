"""A local stand-in for Discord's REST API and gateway, enough for an unmodified discord.py client.

It keeps guilds, channels, members, messages and commands in memory, records every request,
drives interactions the way Discord does, and can inject the faults Discord has on a bad day.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from aiohttp import WSMsgType, web

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


def snowflake_time(value: int) -> datetime:
    return datetime.fromtimestamp(((value >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


class ClockLike(Protocol):
    def now(self) -> datetime: ...


def _now_iso() -> str:
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
                "archive_timestamp": _now_iso(),
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
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    code: int = 0
    message: str = "injected fault"
    times: int = 1
    retry_after: float | None = None
    is_global: bool = False
    cloudflare: bool = False


@dataclass
class LostResponse:
    """A request whose response never reaches the bot: after Discord stored it, or before it arrived."""

    method: str
    path: re.Pattern[str]
    stored: bool = True
    times: int = 1


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 200
    at: float = 0.0


class InteractionResult:
    """What the bot did with one interaction: its callback, and the edits and followups after it."""

    def __init__(self, server: DiscordServer, interaction_id: int, token: str, app: App) -> None:
        self.server = server
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


def text_of(message: dict[str, Any]) -> str:
    """All the text a person would read in a message: content, embeds, and button labels."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title", ""), embed.get("description", "")]
        for f in embed.get("fields", []):
            parts += [f.get("name", ""), f.get("value", "")]
        parts.append((embed.get("footer") or {}).get("text", ""))
    for row in message.get("components") or []:
        for item in row.get("components", []):
            parts.append(item.get("label") or "")
    return "\n".join(p for p in parts if p)


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c for row in message.get("components") or [] for c in row.get("components", []) if c.get("type") == 2
    ]


class DiscordServer:
    """An aiohttp app on 127.0.0.1: REST under ``/api/v10`` and the gateway at ``/gateway``."""

    def __init__(self) -> None:
        self.apps: dict[str, App] = {}
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.closed_dms: set[int] = set()
        self.violations: list[str] = []
        self.left_guilds: set[int] = set()
        self.global_rate_limit: int | None = None
        self._rate_window: dict[str, list[float]] = {}
        self.rate_limited = 0
        self.late_callbacks = 0
        self._nonces: dict[tuple[int, str], tuple[datetime, dict[str, Any]]] = {}
        # Discord keeps an enforced nonce only for a few minutes, on its own clock: here the bot's clock.
        self.clock: ClockLike | None = None
        self.nonce_window = timedelta(minutes=5)
        self.interaction_deadline = 3.0  # seconds for the initial callback, as on Discord
        self.lost: list[LostResponse] = []
        self._dm_channels: dict[int, Channel] = {}
        self._interactions: dict[str, InteractionResult] = {}
        self._sockets: dict[str, list[tuple[Conn, Session]]] = {}
        self._sessions: dict[str, Session] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.identifies = 0
        self.resumes = 0
        self.ready_events: dict[str, asyncio.Event] = {}
        self._request_event = asyncio.Event()
        self.app = self.add_application("Steady")
        self.admin = self.add_user("ada")
        self.member = self.add_user("max")

    # ----- world building

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

    def add_guild(self, name: str, channels: tuple[str, ...] = ("general", "quiet-moments")) -> Guild:
        guild = Guild(snowflake(), name, owner_id=self.admin.id, admin_role=snowflake(), bot_role=snowflake())
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
            "joined_at": _now_iso(),
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
            "joined_at": _now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
        }

    def set_bot_can_send(self, channel: Channel, allowed: bool) -> None:
        """Deny (or allow again) the bot's Send Messages in a channel, as a moderator would."""
        channel.bot_can_send = allowed
        channel.overwrites = (
            []
            if allowed
            else [
                {"id": str(app.user.id), "type": 1, "allow": "0", "deny": str(SEND_MESSAGES)}
                for app in self.apps.values()
            ]
        )
        if channel.guild_id is not None:
            self.dispatch("CHANNEL_UPDATE", channel.payload())

    def delete_channel(self, channel: Channel) -> None:
        self.channels.pop(channel.id, None)
        if channel.guild_id is not None:
            self.guilds[channel.guild_id].channels.pop(channel.id, None)
            self.dispatch("CHANNEL_DELETE", channel.payload())

    def remove_guild(self, guild: Guild) -> None:
        """The bot was removed from a server (kicked, or the server deleted)."""
        self.left_guilds.add(guild.id)
        self.dispatch("GUILD_DELETE", {"id": str(guild.id)})

    def readd_guild(self, guild: Guild) -> None:
        """A moderator invites the bot back."""
        self.left_guilds.discard(guild.id)
        for token, app in self.apps.items():
            if self._sockets.get(token):
                payload = self.guild_payload(guild, app)
                del payload["unavailable"]
                self.dispatch("GUILD_CREATE", payload, app)

    # ----- faults

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        code: int = 0,
        *,
        times: int = 1,
        retry_after: float | None = None,
        is_global: bool = False,
        message: str = "injected fault",
        cloudflare: bool = False,
    ) -> Fault:
        """The next ``times`` requests matching ``method`` and the ``path`` regex get this error
        (``cloudflare``: a 429 from Cloudflare's edge, without ``Via``; discord.py never retries it)."""
        fault = Fault(
            method.upper(), re.compile(path), status, code, message, times, retry_after, is_global, cloudflare
        )
        self.faults.append(fault)
        return fault

    def lose_response(self, method: str, path: str, *, stored: bool = True, times: int = 1) -> LostResponse:
        """The next ``times`` matching requests drop the connection with no answer: after the request took
        effect (``stored``, as when Discord saved the message but the response was lost) or before."""
        lost = LostResponse(method.upper(), re.compile(path), stored, times)
        self.lost.append(lost)
        return lost

    def now(self) -> datetime:
        """Discord's idea of now: the bot's clock when one is set (tests move it), else the real one."""
        return self.clock.now() if self.clock is not None else datetime.now(UTC)

    async def drop_gateway(self) -> None:
        """Close every gateway connection abnormally; the client must RESUME."""
        for sockets in list(self._sockets.values()):
            for conn, _ in list(sockets):
                await conn.close(code=4000, message=b"dropped")

    async def invalidate_session(self) -> None:
        """Tell every client its session is gone; it must IDENTIFY afresh."""
        for sockets in list(self._sockets.values()):
            for conn, session in list(sockets):
                self._sessions.pop(session.id, None)
                conn.put({"op": 9, "d": False})

    # ----- running

    async def start(self, port: int = 0) -> None:
        application = web.Application(client_max_size=32 * 1024 * 1024)
        application.router.add_get("/gateway", self._gateway)
        application.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(application, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for sockets in list(self._sockets.values()):
            for conn, _ in list(sockets):
                await conn.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ----- gateway

    def dispatch(self, event: str, data: dict[str, Any], app: App | None = None) -> None:
        for token, sockets in self._sockets.items():
            if app is not None and token != app.token:
                continue
            for conn, session in sockets:
                session.send(conn, event, data)

    def connected(self, app: App | None = None) -> bool:
        return bool(self._sockets.get((app or self.app).token))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = Conn(ws)
        conn.put({"op": 10, "d": {"heartbeat_interval": 41250}})
        session: Session | None = None
        token = ""
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op, d = frame.get("op"), frame.get("d")
                if op == 1:
                    conn.put({"op": 11})
                elif op == 2:
                    token = str(d["token"]).removeprefix("Bot ")
                    app = self.apps.get(token)
                    if app is None:
                        await conn.close(code=4004, message=b"Authentication failed.")
                        break
                    self.identifies += 1
                    session = Session(f"s{snowflake()}", app)
                    self._sessions[session.id] = session
                    self._sockets.setdefault(token, []).append((conn, session))
                    ready = {
                        "v": 10,
                        "user": app.user.payload(),
                        "session_id": session.id,
                        "resume_gateway_url": self.gateway_url,
                        "shard": [0, 1],
                        "guilds": [
                            {"id": str(g), "unavailable": True}
                            for g in self.guilds
                            if g not in self.left_guilds
                        ],
                        "application": {"id": str(app.id), "flags": 0},
                        "private_channels": [],
                        "relationships": [],
                        "user_settings": {},
                        "session_type": "normal",
                        "geo_ordered_rtc_regions": [],
                    }
                    session.send(conn, "READY", ready)
                    for guild in self.guilds.values():
                        if guild.id not in self.left_guilds:
                            session.send(conn, "GUILD_CREATE", self.guild_payload(guild, app))
                    self.ready_events[token].set()
                elif op == 6:
                    token = str(d["token"]).removeprefix("Bot ")
                    known = self._sessions.get(d.get("session_id", ""))
                    if known is None or known.app.token != token:
                        conn.put({"op": 9, "d": False})
                        continue
                    self.resumes += 1
                    session = known
                    self._sockets.setdefault(token, []).append((conn, session))
                    session.replay(conn, int(d.get("seq") or 0))
                    session.send(conn, "RESUMED", {})
        finally:
            if session is not None:
                sockets = self._sockets.get(session.app.token, [])
                if (conn, session) in sockets:
                    sockets.remove((conn, session))
            conn.pump.cancel()
        return ws

    # ----- REST

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
                response = _error(400, 50035, f"Invalid Form Body: {problem}")
        if response is None:
            try:
                response = await self._route(request, path, body)
            except _Error as err:
                response = _error(err.status, err.code, err.message)
        if lost is not None and response.status < 300:
            return self._drop(request, record)
        record.status = response.status
        return response

    def _lost(self, method: str, path: str) -> LostResponse | None:
        for lost in self.lost:
            if lost.times > 0 and lost.method == method and lost.path.search(path):
                lost.times -= 1
                return lost
        return None

    @staticmethod
    def _drop(request: web.Request, record: Request) -> web.Response:
        record.status = 0
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)

    def _injected(self, method: str, path: str) -> web.Response | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and fault.path.search(path):
                fault.times -= 1
                if fault.status == 429:
                    return _too_many(fault.retry_after or 0.1, fault.is_global, via=not fault.cloudflare)
                return _error(fault.status, fault.code, fault.message)
        return None

    def _rate_limit(self, request: web.Request) -> web.Response | None:
        """Discord's global limit: at most ``global_rate_limit`` requests per second per bot."""
        if self.global_rate_limit is None or request.path.startswith("/api/v10/interactions/"):
            return None
        key = request.headers.get("Authorization", "")
        now = time.monotonic()
        window = [t for t in self._rate_window.get(key, []) if now - t < 1.0]
        if len(window) >= self.global_rate_limit:
            self._rate_window[key] = window
            self.rate_limited += 1
            return _too_many(max(0.01, 1.0 - (now - window[0])), True)
        window.append(now)
        self._rate_window[key] = window
        return None

    def _app_for(self, request: web.Request) -> App:
        token = request.headers.get("Authorization", "").removeprefix("Bot ")
        app = self.apps.get(token)
        if app is None:
            raise _Error(401, 0, "401: Unauthorized")
        return app

    async def _route(self, request: web.Request, path: str, body: Any) -> web.Response:
        method = request.method
        for pattern, handler_method, handler in self._routes():
            m = re.fullmatch(pattern, path)
            if m and handler_method == method:
                result = await handler(request, body, *m.groups())
                if result is None:
                    return web.Response(status=204)
                return _json(result)
        raise _Error(404, 0, f"404: Not Found ({method} {path})")

    def _routes(self) -> list[tuple[str, str, Callable[..., Awaitable[Any]]]]:
        return [
            (r"/users/@me", "GET", self._me),
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
            raise _Error(404, 10015, "Unknown Webhook")
        return result

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

    async def _callback(self, request: web.Request, body: Any, interaction_id: str, token: str) -> Any:
        result = self._result(token)
        if result.callback is not None:
            raise _Error(400, 40060, "Interaction has already been acknowledged.")
        if asyncio.get_running_loop().time() > result.deadline:
            result.expired = True
            self.late_callbacks += 1
            raise _Error(404, 10062, "Unknown interaction")
        result.callback = body
        result.answered_at = time.perf_counter()
        kind = body["type"]
        data = body.get("data") or {}
        channel_id = int(result.channel_id)  # type: ignore[attr-defined]
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

    def _apply_edit(self, message: dict[str, Any], data: dict[str, Any]) -> None:
        for key in ("content", "embeds", "components", "flags", "allowed_mentions"):
            if key in data:
                message[key] = data[key] if data[key] is not None else ([] if key != "content" else "")
        message["edited_timestamp"] = _now_iso()
        message.pop("_loading", None)

    async def _edit_original(self, request: web.Request, body: Any, app_id: str, token: str) -> Any:
        result = self._result(token)
        target = result.original
        if result.callback is not None and result.callback["type"] in (6, 7) and result.component_message:
            target = result.component_message
        if target is None:
            raise _Error(404, 10008, "Unknown Message")
        self._apply_edit(target, body)
        result._touch()
        return target

    async def _get_original(self, request: web.Request, body: Any, app_id: str, token: str) -> Any:
        result = self._result(token)
        if result.original is None:
            raise _Error(404, 10008, "Unknown Message")
        return result.original

    async def _delete_original(self, request: web.Request, body: Any, app_id: str, token: str) -> Any:
        result = self._result(token)
        result.original = None
        result._touch()
        return None

    async def _followup(self, request: web.Request, body: Any, app_id: str, token: str) -> Any:
        result = self._result(token)
        message = self._new_message(int(result.channel_id), result.app.user, body)  # type: ignore[attr-defined]
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
        raise _Error(404, 10008, "Unknown Message")

    async def _create_dm(self, request: web.Request, body: Any) -> Any:
        user = self.users.get(int(body["recipient_id"]))
        if user is None:
            raise _Error(400, 50033, "Invalid Recipients")
        channel = self._dm_channels.get(user.id)
        if channel is None:
            channel = Channel(snowflake(), "", type=1, recipient=user)
            self._dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel.payload()

    def dm_channel(self, user: User) -> Channel | None:
        return self._dm_channels.get(user.id)

    def dm_messages(self, user: User) -> list[dict[str, Any]]:
        channel = self._dm_channels.get(user.id)
        return self.messages.get(channel.id, []) if channel else []

    def _channel(self, channel_id: str) -> Channel:
        channel = self.channels.get(int(channel_id))
        if channel is None:
            raise _Error(404, 10003, "Unknown Channel")
        return channel

    async def _get_channel(self, request: web.Request, body: Any, channel_id: str) -> Any:
        return self._channel(channel_id).payload()

    async def _send_message(self, request: web.Request, body: Any, channel_id: str) -> Any:
        app = self._app_for(request)
        channel = self._channel(channel_id)
        if channel.type == 1 and channel.recipient and channel.recipient.id in self.closed_dms:
            raise _Error(403, 50007, "Cannot send messages to this user")
        if not channel.bot_can_send:
            raise _Error(403, 50013, "Missing Permissions")
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
        raise _Error(404, 10008, "Unknown Message")

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
            raise _Error(404, 10004, "Unknown Guild")
        return self.guild_payload(guild, self._app_for(request))

    async def _get_user(self, request: web.Request, body: Any, user_id: str) -> Any:
        user = self.users.get(int(user_id))
        if user is None:
            raise _Error(404, 10013, "Unknown User")
        return user.payload()

    # ----- interactions, as a person in a Discord client makes them

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
            channel = self._dm_for(user)
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
        result = InteractionResult(self, interaction_id, token, app)
        result.channel_id = channel.id  # type: ignore[attr-defined]
        self._interactions[token] = result
        return payload, result

    def _dm_for(self, user: User) -> Channel:
        channel = self._dm_channels.get(user.id)
        if channel is None:
            channel = Channel(snowflake(), "", type=1, recipient=user)
            self._dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel

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
        app = app or self.app
        channel = self.channels[int(message["channel_id"])]
        guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
        data = {"custom_id": custom_id, "component_type": 2}
        payload, result = self._base_interaction(3, data, user, guild, channel, app)
        payload["message"] = {k: v for k, v in message.items() if not k.startswith("_")}
        result.component_message = message
        self.dispatch("INTERACTION_CREATE", payload, app)
        return result

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
        app = app or self.app
        channel = self.channels[int(message["channel_id"])]
        guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
        data = {"custom_id": custom_id, "component_type": 3, "values": values}
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

    def channel_messages(self, channel: Channel) -> list[dict[str, Any]]:
        return list(self.messages.get(channel.id, []))

    def requests_to(self, method: str, pattern: str) -> list[Request]:
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method and regex.search(r.path)]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10) -> None:
        """Wait until ``predicate()`` holds, re-checking after every request the bot makes."""
        async with asyncio.timeout(timeout):
            while not predicate():
                event = self._request_event
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), 0.05)

    async def wait_ready(self, app: App | None = None, timeout: float = 15) -> None:
        app = app or self.app
        async with asyncio.timeout(timeout):
            await self.ready_events[app.token].wait()


class Conn:
    """One gateway websocket, with frames written strictly in order by a single pump task."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.pump = asyncio.ensure_future(self._pump())

    def put(self, frame: dict[str, Any]) -> None:
        self.queue.put_nowait(json.dumps(frame))

    async def _pump(self) -> None:
        while True:
            text = await self.queue.get()
            if self.ws.closed:
                continue
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.send_str(text)

    async def close(self, code: int = 1000, message: bytes = b"") -> None:
        self.pump.cancel()
        await self.ws.close(code=code, message=message)


class Session:
    """One gateway session: its sequence and the events sent, for RESUME."""

    def __init__(self, session_id: str, app: App) -> None:
        self.id = session_id
        self.app = app
        self.seq = 0
        self.sent: list[dict[str, Any]] = []

    def send(self, conn: Conn, event: str, data: dict[str, Any]) -> None:
        self.seq += 1
        frame = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.sent.append(frame)
        del self.sent[:-500]
        conn.put(frame)

    def replay(self, conn: Conn, after: int) -> None:
        for frame in self.sent:
            if frame["s"] > after:
                conn.put(frame)


EMBED_LIMITS = {"title": 256, "description": 4096}
FIELD_LIMITS = {"name": 256, "value": 1024}


def check_limits(data: Any) -> str | None:
    """Discord's size limits on what a bot sends; a breach is a 400, as on the real API."""
    if not isinstance(data, dict):
        return None
    if len(data.get("content") or "") > 2000:
        return "content over 2000 characters"
    embeds = data.get("embeds") or []
    if len(embeds) > 10:
        return "more than 10 embeds"
    for embed in embeds:
        total = 0
        for key, limit in EMBED_LIMITS.items():
            size = len(embed.get(key) or "")
            total += size
            if size > limit:
                return f"embed {key} over {limit} characters"
        fields = embed.get("fields") or []
        if len(fields) > 25:
            return "more than 25 embed fields"
        for f in fields:
            for key, limit in FIELD_LIMITS.items():
                size = len(f.get(key) or "")
                total += size
                if size > limit or (size == 0 and key in f):
                    return f"embed field {key} must be 1 to {limit} characters"
        footer = len((embed.get("footer") or {}).get("text") or "")
        author = len((embed.get("author") or {}).get("name") or "")
        if footer > 2048 or author > 256:
            return "embed footer or author too long"
        total += footer + author
        if total > 6000:
            return "embed over 6000 characters in all"
    rows = data.get("components") or []
    if len(rows) > 5:
        return "more than 5 component rows"
    for row in rows:
        items = row.get("components") or []
        if len(items) > 5:
            return "more than 5 components in a row"
        for item in items:
            if len(item.get("custom_id") or "") > 100:
                return "custom_id over 100 characters"
            if len(item.get("label") or "") > 80:
                return "button label over 80 characters"
            options = item.get("options") or []
            if len(options) > 25 or any(not 1 <= len(o.get("label") or "") <= 100 for o in options):
                return "a select menu has 1 to 25 options, each labelled in 1 to 100 characters"
    choices = data.get("choices")
    if choices is not None:
        if len(choices) > 25:
            return "more than 25 autocomplete choices"
        for choice in choices:
            if not 1 <= len(choice.get("name") or "") <= 100 or len(str(choice.get("value"))) > 100:
                return "autocomplete choice name or value must be 1 to 100 characters"
    return None


class _Error(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": JSON, **(headers or {})}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status)


def _too_many(retry_after: float, is_global: bool, *, via: bool = True) -> web.Response:
    headers = {"Retry-After": str(max(1, round(retry_after)))}
    if via:
        headers["Via"] = "1.1 google"
    if is_global:
        headers["X-RateLimit-Global"] = "true"
        headers["X-RateLimit-Scope"] = "global"
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
    return _json(body, 429, headers)


def _b64(user_id: int) -> str:
    import base64

    return base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")
