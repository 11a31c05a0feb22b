"""How the sandbox reads the bot's REST calls back as the messages a person would see."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox._parts import SandboxClock, Shown
from bot.testing import DiscordServer, InteractionResult, User


class Reading:
    """Turns recorded requests into shown messages; the Sandbox inherits it."""

    server: DiscordServer
    clock: SandboxClock
    user: User
    _results: dict[str, InteractionResult]
    _read: int
    _followups_seen: dict[str, int]
    _known: set[str]
    _pending: list[Shown]

    def _collect(self) -> None:
        """Turn the REST calls made since last time into the messages they created or changed."""
        new = self.server.requests[self._read :]
        self._read += len(new)
        for request in new:
            if request.status >= 300:
                continue
            if thread := self._thread_for(request.method, request.path, request.body or {}):
                self._pending.append(Shown(thread, self._where(thread), self.clock.now()))
                continue
            message, edited = self._message_for(request.method, request.path, request.body or {})
            if message is not None:
                self._known.add(message["id"])
                self._pending.append(Shown(message, self._where(message), self.clock.now(), edited))

    def _thread_for(self, method: str, path: str, body: Any) -> dict[str, Any] | None:
        """A thread Steady opened under a message, shown as a line in the channel, as Discord does."""
        m = re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", path)
        if method != "POST" or m is None:
            return None
        name = str(body.get("name") or "a thread")
        return {
            "id": f"thread-{m[2]}",
            "channel_id": m[1],
            "author": {"username": "Steady"},
            "content": f"🧵 Started a thread under this post: **{name}** (replies go there)",
        }

    def _message_for(self, method: str, path: str, body: Any) -> tuple[dict[str, Any] | None, bool]:
        if m := re.fullmatch(r"/interactions/\d+/([^/]+)/callback", path):
            result = self._results.get(m[1])
            if result is None or method != "POST":
                return None, False
            if body.get("type") == 4:
                return result.original, False
            return (result.component_message, True) if body.get("type") == 7 else (None, False)
        if m := re.fullmatch(r"/webhooks/\d+/([^/]+)(?:/messages/(@original|\d+))?", path):
            result = self._results.get(m[1])
            if result is None:
                return None, False
            if method == "POST" and m[2] is None:
                index = self._followups_seen.get(m[1], 0)
                self._followups_seen[m[1]] = index + 1
                return (result.followups[index] if index < len(result.followups) else None), False
            if method == "PATCH" and m[2] == "@original":
                callback = result.callback or {}
                if callback.get("type") in (6, 7) and result.component_message is not None:
                    return result.component_message, True
                return result.original, callback.get("type") != 5
            if method == "PATCH":
                return next((f for f in result.followups if f["id"] == m[2]), None), True
            return None, False
        if m := re.fullmatch(r"/channels/(\d+)/messages(?:/(\d+))?", path):
            messages = self.server.messages.get(int(m[1]), [])
            if method == "POST" and m[2] is None:
                return next((x for x in messages if x["id"] not in self._known), None), False
            if method == "PATCH":
                return next((x for x in messages if x["id"] == m[2]), None), True
        return None, False

    def _where(self, message: dict[str, Any]) -> str:
        channel = self.server.channels.get(int(message["channel_id"]))
        if channel is None:
            return "a deleted channel"
        if channel.recipient is not None:
            if channel.recipient is self.user:
                return "DM"
            return f"DM to {channel.recipient.username}"
        return f"#{channel.name}"
