"""The gateway: sessions, READY, dispatched events and RESUME, and changes to the world announced."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import WSMsgType, web

from bot.testing._world import SEND_MESSAGES, App, Channel, Guild, World, snowflake


class Gateway(World):
    """The websocket side of the fake Discord, at ``/gateway``."""

    def __init__(self) -> None:
        super().__init__()
        self._sockets: dict[str, list[tuple[Conn, Session]]] = {}
        self._sessions: dict[str, Session] = {}
        self.port = 0
        self.identifies = 0
        self.resumes = 0
        self.shard_count = 1  # what GET /gateway/bot recommends
        self.identified_shards: list[tuple[int, int]] = []

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def dispatch(self, event: str, data: dict[str, Any], app: App | None = None) -> None:
        """Send an event to the sessions that should hear it: a server's events only to the shard that
        server is on, ``(guild_id >> 22) % shard_count``; events outside servers (DMs) to shard 0."""
        raw = data.get("guild_id") or (data.get("id") if event.startswith("GUILD_") else None)
        guild_id = int(raw) if raw is not None else None
        for token, sockets in self._sockets.items():
            if app is not None and token != app.token:
                continue
            for conn, session in sockets:
                if session.hears(guild_id):
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
                    shard_id, shard_count = (int(x) for x in (d.get("shard") or (0, 1)))
                    if not 0 <= shard_id < shard_count:
                        await conn.close(code=4010, message=b"Invalid shard.")
                        break
                    self.identified_shards.append((shard_id, shard_count))
                    session = Session(f"s{snowflake()}", app, (shard_id, shard_count))
                    self._sessions[session.id] = session
                    self._sockets.setdefault(token, []).append((conn, session))
                    ready = {
                        "v": 10,
                        "user": app.user.payload(),
                        "session_id": session.id,
                        "resume_gateway_url": self.gateway_url,
                        "shard": [shard_id, shard_count],
                        "guilds": [
                            {"id": str(g), "unavailable": True}
                            for g in self.guilds
                            if g not in self.left_guilds and session.hears(g)
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
                        if guild.id not in self.left_guilds and session.hears(guild.id):
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

    async def wait_ready(self, app: App | None = None, timeout: float = 15) -> None:
        app = app or self.app
        async with asyncio.timeout(timeout):
            await self.ready_events[app.token].wait()

    # ----- changes to the world that clients hear about

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

    def __init__(self, session_id: str, app: App, shard: tuple[int, int] = (0, 1)) -> None:
        self.id = session_id
        self.app = app
        self.shard = shard
        self.seq = 0
        self.sent: list[dict[str, Any]] = []

    def hears(self, guild_id: int | None) -> bool:
        """This session's shard carries that server (None: DMs, which Discord sends to shard 0)."""
        shard_id, shard_count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % shard_count == shard_id

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
