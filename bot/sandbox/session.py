"""The sandbox world: the local Discord server, a demo server, the real bot, and one person acting in it."""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from discord.ext.commands import Bot

from bot.content import DATA_DIR
from bot.moments.runner import MomentsRunner
from bot.sandbox._parts import (
    CHANNELS,
    GUILD_NAME,
    MAX_WAIT,
    Outcome,
    SandboxClock,
    Shown,
    buttons,
    demo_world,
    describe_span,
    parse_duration,
    underscored,
)
from bot.sandbox._reading import Reading
from bot.sandbox.commands import (
    CHANNEL,
    STRING,
    CommandError,
    Schema,
    convert,
    hidden_because,
    need,
    parse,
    visible,
)
from bot.testing import Channel, DiscordServer, Guild, InteractionResult, RunningBot, User, start_bot

__all__ = [
    "CHANNELS",
    "GUILD_NAME",
    "MAX_WAIT",
    "WAIT",
    "Outcome",
    "Sandbox",
    "SandboxClock",
    "Shown",
    "parse_duration",
]

QUIET = 0.15
STEP_QUIET = 0.02
MAX_STEP = timedelta(hours=1)
MIN_STEP = timedelta(minutes=1)
RUNNER_SETTLE = 10.0  # seconds; the quiet-moments runner's claim and send, even on a loaded machine
WAIT = {"name": "wait", "options": [{"name": "for", "type": STRING}]}


class Sandbox(Reading):
    """One person (admin or member) somewhere (a channel of the demo server, or DMs) using the real bot."""

    def __init__(self, server: DiscordServer, guild: Guild, clock: SandboxClock) -> None:
        self.server = server
        self.guild = guild
        self.clock = clock
        self.running: RunningBot | None = None
        self.user: User = server.admin
        self.channel: Channel | None = guild.channel("general")
        self.buttons: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self._buttons_by_place: dict[int, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        self._results: dict[str, InteractionResult] = {}
        self._read = 0
        self._followups_seen: dict[str, int] = {}
        self._known: set[str] = set()
        self._pending: list[Shown] = []
        self.db_path: Path | None = None

    # ----- starting and stopping

    @classmethod
    async def start(cls, db_path: Path, *, start: datetime, data_dir: Path = DATA_DIR) -> Sandbox:
        server = DiscordServer()
        guild = demo_world(server)
        await server.start()
        sandbox = cls(server, guild, SandboxClock(start))
        try:
            sandbox.running = await start_bot(server, db_path, clock=sandbox.clock, data_dir=data_dir)
        except BaseException:
            await server.stop()
            raise
        await sandbox._quiet(QUIET)
        sandbox._read = len(server.requests)
        return sandbox

    async def stop(self) -> None:
        """Close the bot (its features stop their background work), then the local server; never hang."""
        if self.running is not None:
            try:
                await asyncio.wait_for(self.running.stop(), 20)
            except TimeoutError:
                self.running.task.cancel()
        await self.server.stop()

    # ----- where and who

    @property
    def in_guild(self) -> bool:
        return self.channel is not None

    @property
    def role(self) -> str:
        return "admin" if self.user is self.server.admin else "member"

    def place(self) -> str:
        return f"#{self.channel.name}" if self.channel else "DM with Steady"

    def commands(self) -> list[Schema]:
        """The synced commands this person sees here, sorted as Discord lists them."""
        perms = self.guild.permissions(self.user.id) if self.in_guild else 0
        return sorted(
            visible(self.server.app.global_commands, in_guild=self.in_guild, permissions=perms),
            key=lambda c: c["name"],
        )

    def here_id(self) -> int | None:
        """The channel id of where this person is now (their DM channel with Steady, if it exists yet)."""
        if self.channel is not None:
            return self.channel.id
        return next((c.id for c in self.server.channels.values() if c.recipient is self.user), None)

    def _moved(self) -> str:
        """Number keys press buttons on messages here only: take up this place's numbering, and list it."""
        here = self.here_id()
        self.buttons = list(self._buttons_by_place.get(here, [])) if here is not None else []
        live = [(n, b) for n, (_, b) in enumerate(self.buttons, 1) if not b.get("disabled")]
        if not live:
            return ""
        return " Buttons here: " + "  ".join(f"[{n}] {b.get('label') or 'button'}" for n, b in live)

    def go(self, where: str) -> str:
        if where == "dm":
            self.channel = None
            return "You are in your DMs with Steady." + self._moved()
        name = where.lstrip("#").lower()
        channel = next((c for c in self.guild.channels.values() if c.name == name and c.type == 0), None)
        if channel is None:
            names = ", ".join(f"#{c.name}" for c in self.guild.channels.values() if c.type == 0)
            raise CommandError(f"There is no #{name} here. Channels: {names}, or `dm` for your DMs.")
        self.channel = channel
        return f"You are in #{channel.name}." + self._moved()

    def become(self, role: str) -> str:
        if role not in ("admin", "member"):
            raise CommandError("Say `as admin` or `as member`.")
        self.user = self.server.admin if role == "admin" else self.server.member
        buttons = self._moved()
        what = "a moderator with Manage Server" if role == "admin" else "a plain member"
        return f"You are {self.user.username}, {what}.{buttons}"

    def dms(self, *, open_: bool) -> str:
        if open_:
            self.server.closed_dms.discard(self.user.id)
            return f"{self.user.username}'s DMs are open: Steady can message you."
        self.server.closed_dms.add(self.user.id)
        return f"{self.user.username}'s DMs are closed: Steady can't message you."

    # ----- acting

    async def slash(self, line: str) -> Outcome:
        """Run a typed slash command as the current person, here, and show what the bot did."""
        all_commands = self.server.app.global_commands
        name = line[1:].split(maxsplit=1)[0].lower() if line[1:].strip() else ""
        command = next((c for c in all_commands if c["name"] == name), None)
        if command is not None:
            perms = self.guild.permissions(self.user.id) if self.in_guild else 0
            if reason := hidden_because(command, in_guild=self.in_guild, permissions=perms):
                raise CommandError(reason)
        typed, values = parse(line, self.commands(), self._resolve)
        for option in typed.options:
            value = values.get(option["name"])
            if option.get("autocomplete") and isinstance(value, str) and value:
                values[option["name"]] = await self._picked(typed.name, option["name"], value, values)
        result = await self.server.slash(typed.name, user=self.user, **self._here(), **underscored(values))
        return await self._answer(result)

    async def press(self, number: int) -> Outcome:
        if not 1 <= number <= len(self.buttons):
            elsewhere = [p for p, found in self._buttons_by_place.items() if len(found) >= number]
            if elsewhere and elsewhere[-1] != self.here_id():
                where = self._where(self._buttons_by_place[elsewhere[-1]][0][0])
                go = "dm" if where == "DM" else where
                raise CommandError(
                    f"There is no button {number} here: it is on a message in {where}. "
                    f"Type `{go}` to go there first."
                )
            raise CommandError("There is no button with that number on screen.")
        message, button = self.buttons[number - 1]
        if int(message["channel_id"]) != self.here_id():
            where = self._where(message)
            go = "dm" if where == "DM" else where
            raise CommandError(f"Button {number} is on a message in {where}; type `{go}` to go there first.")
        if button.get("disabled"):
            raise CommandError("That button is greyed out.")
        result = await self.server.click(message, button["custom_id"], user=self.user)
        return await self._answer(result)

    async def fill_form(self, form: dict[str, Any], values: dict[str, str]) -> Outcome:
        result = await self.server.submit_modal(form["custom_id"], values, user=self.user, **self._here())
        return await self._answer(result)

    async def wait(self, text: str, stop: asyncio.Event | None = None) -> Outcome:
        """Move the bot's clock forward in steps (each wake-up, at least hourly), letting it act at each;
        ``stop`` (Ctrl-C) ends the wait early, with the clock where it got to."""
        start = self.clock.now()
        target = start + parse_duration(text)
        stopped = False
        await self._runner_settled()  # a runner just woken by /config has planned its next wake-up
        while self.clock.now() < target:
            if stop is not None and stop.is_set():
                stopped = True
                break
            now = self.clock.now()
            wakes = [w for w in self.clock.waiting if w > now]
            step = max(min([target, now + MAX_STEP, *wakes]), min(target, now + MIN_STEP))
            sleepers = len(self.clock.waiting)
            self.clock.set(step)
            await self._settle_clock(sleepers)
            self._collect()
        await self._quiet(QUIET)
        self._collect()
        outcome = Outcome(shown=self._flush())
        posted = len(outcome.shown)
        arrived = f"{posted} message{'s' if posted != 1 else ''} arrived meanwhile." if posted else ""
        now = self.clock.now().astimezone()
        moved = f"The clock moved {text.strip()} forward: it is now {now:%a %d %b %Y, %H:%M %Z}."
        if stopped:
            moved = (
                f"You stopped the wait (Ctrl-C) after {describe_span(self.clock.now() - start)}: "
                f"it is now {now:%a %d %b %Y, %H:%M %Z}."
            )
        outcome.notes.append(f"{moved} {arrived}".strip())
        return outcome

    async def suggest(self, text: str) -> tuple[int, list[tuple[str, str]]]:
        """Completions for a half-typed slash command: (where the replaced part starts, [(text, label)])."""
        try:
            wanted = need(text, [*self.commands(), WAIT])
        except CommandError:
            return len(text), []
        if wanted is None:
            return len(text), []
        low = wanted.partial.lstrip('"').casefold()
        if wanted.kind != "value":
            return wanted.start, [(n, n) for n in wanted.names if n.startswith(low)]
        found: list[tuple[str, str]] = []
        option, typed = wanted.option, wanted.typed
        if option is not None and typed is not None:
            if option["type"] == CHANNEL:
                found += [(f"#{c.name}", "channel") for c in self.guild.channels.values() if c.type == 0]
            elif option.get("choices"):
                found += [(str(c["name"]), str(c["value"])) for c in option["choices"]]
            elif option.get("autocomplete"):
                whole_rest = len(typed.options) == 1 and option["type"] == STRING
                query = wanted.partial.lstrip('"')
                offered = await self._autocomplete(typed.name, option["name"], query, wanted.others)
                for choice in offered:
                    put = str(choice["name"] if whole_rest else choice["value"])
                    found.append((put if whole_rest or " " not in put else f'"{put}"', choice["name"]))
                return wanted.start, found
            elif typed.name == "wait":
                found += [(d, "move the clock") for d in ("30m", "2h", "1d", "7d")]
        found = [f for f in found if f[0].casefold().lstrip("#").startswith(low.lstrip("#"))]
        return wanted.start, found + [(k, "option") for k in wanted.names if k.startswith(low)]

    # ----- glue to the local Discord server

    def _leaf(self, path: str) -> Schema:
        node: Schema = {"options": self.server.app.global_commands}
        for name in path.split():
            node = next((o for o in node.get("options") or [] if o["name"] == name), {})
        return node

    def _here(self) -> dict[str, Any]:
        return {"guild": self.guild, "channel": self.channel} if self.channel else {}

    def _resolve(self, option: Schema, raw: str) -> Any:
        if option["type"] == CHANNEL:
            found = re.fullmatch(r"<#(\d+)>", raw)
            named = (c for c in self.guild.channels.values() if c.name == raw.lstrip("#").lower())
            channel = self.server.channels.get(int(found[1])) if found else next(named, None)
            if channel is None or channel.guild_id != self.guild.id:
                names = ", ".join(f"#{c.name}" for c in self.guild.channels.values() if c.type == 0)
                raise CommandError(f"{option['name']} must be a channel here: {names}.")
            kinds = option.get("channel_types")
            if kinds and channel.type not in kinds:
                raise CommandError(f"#{channel.name} is not the kind of channel {option['name']} takes.")
            return channel
        name = raw.lstrip("@").lower()
        people = (self.server.admin, self.server.member)
        user = next((u for u in people if u.username == name), None)
        if user is None:
            raise CommandError(f"{option['name']} must be " + " or ".join(f"@{u.username}" for u in people))
        return user

    async def _autocomplete(
        self, path: str, focused: str, partial: str, others: dict[str, Any]
    ) -> list[dict[str, Any]]:
        values: dict[str, Any] = {focused: partial}
        options = {o["name"]: o for o in self._leaf(path).get("options") or []}
        for name, raw in others.items():
            try:
                values[name] = convert(options[name], raw, self._resolve) if isinstance(raw, str) else raw
            except (CommandError, KeyError):
                continue
        try:
            return await self.server.autocomplete(
                path, focused, user=self.user, **self._here(), **underscored(values)
            )
        except (AssertionError, TimeoutError, KeyError):
            return []

    async def _picked(self, path: str, focused: str, typed: str, values: dict[str, Any]) -> str:
        """Typing a suggestion's name exactly is picking it: Discord then sends the suggestion's value."""
        others = {k: v for k, v in values.items() if k != focused}
        for choice in await self._autocomplete(path, focused, typed, others):
            if str(choice["name"]).casefold() == typed.casefold():
                return str(choice["value"])
        return typed

    async def _answer(self, result: InteractionResult) -> Outcome:
        self._results[result.token] = result
        outcome = Outcome()
        try:
            await result.wait(timeout=10)
            if result.type in (5, 6):
                await result.wait(lambda r: self._answered_after_defer(r), timeout=15)
        except TimeoutError:
            outcome.notes.append("Steady did not answer in time (Discord: The application did not respond).")
            outcome.ok = False
        await self._quiet(QUIET)
        self._collect()
        outcome.shown = self._flush()
        if result.callback is not None and result.type == 9:
            outcome.form = result.data
        return outcome

    def _answered_after_defer(self, result: InteractionResult) -> bool:
        recent = self.server.requests[self._read :]
        edited = any(r.method == "PATCH" and result.token in r.path for r in recent)
        loaded = bool(result.original and not result.original.get("_loading"))
        return bool(result.followups) or edited or loaded

    async def _quiet(self, seconds: float, limit: float = 15) -> None:
        """Wait until the bot has made no request to the local server for ``seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        seen, since = len(self.server.requests), loop.time()
        while loop.time() - since < seconds and loop.time() < deadline:
            await asyncio.sleep(seconds / 5)
            if len(self.server.requests) != seen:
                seen, since = len(self.server.requests), loop.time()

    async def _settle_clock(self, sleepers: int) -> None:
        """After the clock moves: wait until everyone it woke is asleep again and the bot is quiet."""
        loop = asyncio.get_running_loop()
        await self._runner_settled()
        deadline = loop.time() + 2
        while loop.time() < deadline:
            await self._quiet(STEP_QUIET)
            now = self.clock.now()
            if len(self.clock.waiting) >= sleepers and all(w > now for w in self.clock.waiting):
                return

    async def _runner_settled(self) -> None:
        """Wait until the quiet-moments runner has handled what it was woken for (a /config, a clock move)
        and its posts are sent and recorded, so it sleeps until its next instant and /wait can read it.
        Its in-flight posts don't hold the runner's own sleep, so the clock waiters alone can't tell."""
        bot = self.running.bot if self.running is not None else None
        cog = bot.get_cog("QuietMoments") if isinstance(bot, Bot) else None
        runner = getattr(cog, "runner", None)
        if isinstance(runner, MomentsRunner):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(runner.settled(RUNNER_SETTLE), RUNNER_SETTLE)

    def _flush(self) -> list[Shown]:
        """The messages touched since the last flush, each once, in first-touched order, as they are now."""
        seen: dict[int, Shown] = {}
        for shown in self._pending:
            seen.setdefault(id(shown.message), shown)
        self._pending = []
        result = list(seen.values())
        by_place: dict[int, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        for s in result:
            for b in buttons(s.message):
                if b.get("custom_id"):
                    by_place.setdefault(int(s.message["channel_id"]), []).append((s.message, b))
        for place, found in by_place.items():
            self._buttons_by_place.pop(place, None)
            self._buttons_by_place[place] = found  # the most recent place last
        here = self.here_id()
        if here in by_place:
            self.buttons = by_place[here]
        return result
