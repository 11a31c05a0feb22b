"""Discord on a bad day: injected errors, lost responses and the global rate limit, and error replies."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.testing._interactions import Interactions
from bot.testing._world import JSON, Request


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


class Faults(Interactions):
    """What goes wrong, and when; the REST layer asks before answering."""

    def __init__(self) -> None:
        super().__init__()
        self.faults: list[Fault] = []
        self.lost: list[LostResponse] = []
        self.global_rate_limit: int | None = None
        self._rate_window: dict[str, list[float]] = {}
        self.rate_limited = 0

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
                    return too_many(fault.retry_after or 0.1, fault.is_global, via=not fault.cloudflare)
                return error_response(fault.status, fault.code, fault.message)
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
            return too_many(max(0.01, 1.0 - (now - window[0])), True)
        window.append(now)
        self._rate_window[key] = window
        return None


class DiscordError(Exception):
    """An error a route answers with, as Discord would."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(data, ensure_ascii=False).encode(),
        headers={"Content-Type": JSON, **(headers or {})},
    )


def error_response(status: int, code: int, message: str) -> web.Response:
    return json_response({"message": message, "code": code}, status)


def too_many(retry_after: float, is_global: bool, *, via: bool = True) -> web.Response:
    headers = {"Retry-After": str(max(1, round(retry_after)))}
    if via:
        headers["Via"] = "1.1 google"
    if is_global:
        headers["X-RateLimit-Global"] = "true"
        headers["X-RateLimit-Scope"] = "global"
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
    return json_response(body, 429, headers)
