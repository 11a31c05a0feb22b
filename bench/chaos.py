"""Chaos: the real bot as a subprocess against the local Discord, every feature at once, faults everywhere.

It kills the bot with SIGKILL at random and restarts it on the same database, injects REST faults
(429 route and global, 500, 502, a channel the bot may not post in, a deleted channel), loses the
responses to daily posts (stored by Discord, or never arrived) and brings the bot back 10 minutes and
1 minute late (past and inside Discord's nonce window), drops the gateway and invalidates the session,
then checks the invariants and prints them as figures.

    python bench/chaos.py            # the long form: about 10 minutes, at least 10 kills
    python bench/chaos.py --short    # the short form run by `make test` (under 60 s)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import SystemClock
from bot.moments.runner import RETRY_DELAYS
from bot.selfcheck import load_selfcheck
from bot.selfcheck.machine import score
from bot.testing import BotProcess, DiscordServer, Guild, InteractionResult, User, buttons_of, text_of

ZONES = ("UTC", "Europe/London", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "Asia/Tokyo")
QUESTIONS = (
    "do i need a degree",
    "is this job stressful?",
    "what does a psych tech do",
    "career growth",
    "nights",
)
ANSWER_ID = re.compile(r"^selfcheck:a:(\d+):(\d+):(\d+)$")
WAIT = 4.0
LEAD = timedelta(seconds=20)


LATE_RESTARTS = (timedelta(minutes=10), timedelta(minutes=1))


@dataclass
class Figures:
    seed: int = 0
    seconds: float = 0.0
    kills: int = 0
    restarts: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    posts_due: int = 0
    posts_sent: int = 0
    posts_failed_with_reason: int = 0
    posts_duplicated: int = 0
    posts_missing: int = 0
    failure_reasons: Counter[str] = field(default_factory=Counter)
    answers_acknowledged: int = 0
    answers_lost: int = 0
    selfchecks_finished: int = 0
    faq_answered: int = 0
    shares_approved: int = 0
    unanswered_interactions: int = 0
    late_callbacks: int = 0
    integrity: str = ""
    alive: bool = False
    exit_code: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.problems
            and self.posts_duplicated == 0
            and self.posts_missing == 0
            and self.answers_lost == 0
            and self.integrity == "ok"
            and self.alive
        )

    def lines(self) -> list[str]:
        faults = ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items())) or "none"
        return [
            f"seed: {self.seed} (repeat with --seed {self.seed})",
            f"duration: {self.seconds:.0f} s",
            f"kills survived: {self.kills} (restarts {self.restarts})",
            f"faults injected: {sum(self.faults.values())} ({faults})",
            f"posts due: {self.posts_due}, sent: {self.posts_sent}, "
            f"failed with reason: {self.posts_failed_with_reason}, "
            f"duplicated: {self.posts_duplicated}, missing: {self.posts_missing}",
            *[f"  failed {n}x: {reason}" for reason, n in self.failure_reasons.items()],
            f"self-check answers acknowledged: {self.answers_acknowledged}, lost: {self.answers_lost} "
            f"({self.selfchecks_finished} runs finished)",
            f"faq answers: {self.faq_answered}, shared moments approved: {self.shares_approved}, "
            f"interactions unanswered while the bot was down: {self.unanswered_interactions} "
            f"(of them answered after Discord's 3 s and refused: {self.late_callbacks})",
            f"integrity_check: {self.integrity}, alive and answering: {self.alive}, "
            f"SIGTERM exit: {self.exit_code}",
            *[f"PROBLEM: {p}" for p in self.problems],
        ]


class Chaos:
    def __init__(
        self, *, seconds: float, kills: int, servers: int, users: int, seed: int, workdir: Path
    ) -> None:
        self.seconds = seconds
        self.kill_count = kills
        self.rng = random.Random(seed)
        self.server = DiscordServer()
        self.guilds: list[Guild] = [self.server.add_guild(f"Unit {n}") for n in range(servers)]
        self.users: list[User] = [self.server.add_user(f"tech{n}") for n in range(users)]
        self.db_path = workdir / "chaos.sqlite3"
        real_now = SystemClock().now()
        minute = real_now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        self.first_due = minute
        offset = (minute - LEAD) - real_now
        self.clock = SystemClock(offset)
        self.server.clock = self.clock  # Discord's nonce window runs on the bot's clock
        self.bot = BotProcess(self.server, self.db_path, clock_offset=offset)
        self.alive = asyncio.Event()
        self.figures = Figures()
        self.due: dict[int, datetime] = {}
        self.acked: dict[tuple[int, int], dict[int, int]] = {}
        self.plan = {u.id: [self.rng.randrange(4) for _ in range(32)] for u in self.users}
        self.stop_at = 0.0

    async def run(self) -> Figures:
        started = time.monotonic()
        await self.server.start()
        try:
            await self.restart()
            await self.configure_moments()
            self.stop_at = time.monotonic() + self.seconds
            workers = [
                self.killer(),
                self.injector(),
                self.faq_worker(),
                self.share_worker(),
                self.config_worker(),
                *[self.selfcheck_worker(u) for u in self.users],
            ]
            await asyncio.gather(*workers)
            await self.settle()
            await self.verify()
        finally:
            await self.bot.ensure_stopped()
            await self.server.stop()
        self.figures.seconds = time.monotonic() - started
        return self.figures

    # ----- the bot's life

    async def restart(self, late: timedelta = timedelta(0)) -> None:
        """Start the bot again; ``late`` moves its clock (and Discord's) on, as a restart that came late."""
        if late:
            self.clock.offset += late
            self.bot.clock_offset = self.clock.offset
            self.figures.faults[f"restart {int(late.total_seconds() // 60)} min late"] += 1
        await self.bot.start(timeout=60)
        self.figures.restarts += 1
        self.alive.set()

    def running(self) -> bool:
        return time.monotonic() < self.stop_at

    async def killer(self) -> None:
        """SIGKILL at random moments, one of them right at a due instant; restart on the same database."""
        first_due = min(self.due.values())
        at_due = max(0.0, (first_due - self.clock.now()).total_seconds())
        # The kill at the due instant comes back 10 minutes late, past Discord's nonce window, and the
        # next one 1 minute late: posts whose responses were lost are then resent or found.
        at_kill = at_due + self.rng.uniform(-0.3, 0.3)
        planned = [(at_kill, LATE_RESTARTS[0]), (at_kill + 4, LATE_RESTARTS[1])][: self.kill_count]
        planned += [
            (self.rng.uniform(2, self.seconds - 4), timedelta(0))
            for _ in range(self.kill_count - len(planned))
        ]
        begin = time.monotonic()
        for offset, late in sorted(planned, key=lambda p: p[0]):
            await asyncio.sleep(max(0.0, begin + offset - time.monotonic()))
            self.alive.clear()
            await self.bot.kill()
            self.figures.kills += 1
            await asyncio.sleep(self.rng.uniform(0.2, 1.2))
            await self.restart(late)

    async def injector(self) -> None:
        """REST faults, gateway drops and invalid sessions, at random."""
        broken = self.guilds[0].channel("quiet-moments")
        self.server.set_bot_can_send(broken, False)
        self.figures.faults["403/50013 channel"] += 1
        self.server.delete_channel(self.guilds[1].channel("quiet-moments"))
        self.figures.faults["404/10003 channel"] += 1
        posts = "|".join(str(g.channel("quiet-moments").id) for g in self.guilds[2:])
        stored = self.server.lose_response("POST", rf"/channels/({posts})/messages$", stored=True, times=3)
        never = self.server.lose_response("POST", rf"/channels/({posts})/messages$", stored=False, times=2)
        routes = [r"/interactions/\d+/[^/]+/callback", r"/channels/\d+/messages$", r"/webhooks/\d+/"]
        while self.running():
            await asyncio.sleep(self.rng.uniform(0.3, 1.5))
            kind = self.rng.choice(
                ["429 route", "429 global", "500", "502", "gateway drop", "invalid session"]
            )
            route = self.rng.choice(routes)
            method = "PATCH" if route.startswith("/webhooks") else "POST"
            if kind == "429 route":
                self.server.fail(method, route, 429, retry_after=self.rng.uniform(0.05, 0.5))
            elif kind == "429 global":
                self.server.fail(method, route, 429, retry_after=self.rng.uniform(0.05, 0.3), is_global=True)
            elif kind in ("500", "502"):
                self.server.fail(method, route, int(kind))
            elif not self.alive.is_set():
                continue
            elif kind == "gateway drop":
                await self.server.drop_gateway()
            else:
                await self.server.invalidate_session()
            self.figures.faults[kind] += 1
        self.figures.faults["lost response, stored"] += 3 - stored.times
        self.figures.faults["lost request, never arrived"] += 2 - never.times

    # ----- people using it

    async def interact(self, make: Any) -> InteractionResult | None:
        """Send an interaction; None if the bot did not answer in time (it was down, as Discord would say)."""
        if not self.alive.is_set():
            await self.alive.wait()
        result: InteractionResult = await make()
        try:
            await result.wait(timeout=WAIT)
        except TimeoutError:
            self.figures.unanswered_interactions += 1
            return None
        return result

    async def final(self, result: InteractionResult) -> dict[str, Any] | None:
        """The visible answer after a defer; None if the bot died before giving it."""
        try:
            return await result.final(timeout=WAIT)
        except TimeoutError:
            self.figures.unanswered_interactions += 1
            return None

    async def configure_moments(self) -> None:
        """Every server gets a daily time that falls inside the run, in one of several time zones."""
        first = self.first_due
        dues = [first + timedelta(minutes=k) for k in range(max(1, int(self.seconds // 60)))]
        for n, guild in enumerate(self.guilds):
            due = dues[n % len(dues)]
            zone = ZONES[n % len(ZONES)]
            local = due.astimezone(ZoneInfo(zone)).strftime("%H:%M")
            channel = guild.channel("quiet-moments")
            while True:
                result = await self.interact(
                    lambda g=guild, c=channel, t=local, z=zone: self.server.slash(
                        "config moments", user=self.server.admin, guild=g, channel_=c, time=t, timezone=z
                    )
                )
                if result is not None:
                    break
            self.due[guild.id] = due
        self.seconds = max(self.seconds, (max(dues) - self.clock.now()).total_seconds() + 5)

    async def faq_worker(self) -> None:
        while self.running():
            guild = self.rng.choice([*self.guilds[:5], None])
            question = self.rng.choice(QUESTIONS)
            result = await self.interact(
                lambda g=guild, q=question: self.server.slash(
                    "faq", user=self.server.member, guild=g, question=q
                )
            )
            if result is not None:
                self.figures.faq_answered += 1
            await asyncio.sleep(self.rng.uniform(0.05, 0.3))

    async def share_worker(self) -> None:
        guild = self.guilds[2]
        while self.running():
            text = f"Shift {self.rng.randrange(10_000)}: you showed up, and that counted for a lot."
            author = self.rng.choice(self.users)
            shared = await self.interact(
                lambda t=text, a=author: self.server.slash("share-moment", user=a, guild=guild, text=t)
            )
            review = await self.interact(
                lambda: self.server.slash("config review", user=self.server.admin, guild=guild)
            )
            if shared is None or review is None:
                continue
            message = await self.final(review)
            if message is None:
                continue
            approve = next((b for b in buttons_of(message) if "approve" in b.get("custom_id", "")), None)
            if approve is not None:
                clicked = await self.interact(
                    lambda m=message, b=approve: self.server.click(m, b["custom_id"], user=self.server.admin)
                )
                if clicked is not None:
                    self.figures.shares_approved += 1
            await asyncio.sleep(self.rng.uniform(0.5, 2))

    async def config_worker(self) -> None:
        while self.running():
            guild = self.rng.choice(self.guilds[3:])
            region = self.rng.choice(["US", "UK", "IE", "AU", "NZ", "CA", "IN", "INTL"])
            await self.interact(
                lambda g=guild, r=region: self.server.slash(
                    "config region", user=self.server.admin, guild=g, region=r
                )
            )
            await asyncio.sleep(self.rng.uniform(0.2, 1))

    def current_question(self, user: User) -> dict[str, Any] | None:
        for message in reversed(self.server.dm_messages(user)):
            if any(ANSWER_ID.match(b.get("custom_id", "")) for b in buttons_of(message)):
                return message
        return None

    async def selfcheck_worker(self, user: User) -> None:
        """Answer the self-check to its end, again and again, recovering as a person would."""
        await asyncio.sleep(self.rng.uniform(0, 2))
        while self.running():
            guild = self.rng.choice(self.guilds)
            started = await self.interact(lambda g=guild: self.server.slash("selfcheck", user=user, guild=g))
            if started is None:
                continue
            reply = await self.final(started)
            if reply is None:
                continue
            if "start it again" in text_of(reply):
                await asyncio.sleep(1)
                continue
            resume = next((b for b in buttons_of(reply) if b.get("label") == "Resume"), None)
            if resume is not None:
                resumed = await self.interact(
                    lambda b=resume, m=reply: self.server.click(m, b["custom_id"], user=user)
                )
                if resumed is None:
                    continue
                await asyncio.sleep(0.2)
            await self.answer_until_done(user)

    async def answer_until_done(self, user: User) -> None:
        while self.running():
            message = self.current_question(user)
            if message is None:
                return
            ids = [m for b in buttons_of(message) if (m := ANSWER_ID.match(b.get("custom_id", "")))]
            if not ids:
                return
            run_id, question = int(ids[0][1]), int(ids[0][2])
            value = self.plan[user.id][question]
            custom_id = f"selfcheck:a:{run_id}:{question}:{value}"
            result = await self.interact(lambda m=message, c=custom_id: self.server.click(m, c, user=user))
            if result is None:
                continue
            if result.type != 7:
                return
            after = [m for b in buttons_of(message) if (m := ANSWER_ID.match(b.get("custom_id", "")))]
            if not after or int(after[0][2]) > question:
                self.acked.setdefault((user.id, run_id), {})[question] = value
            if not after:
                self.figures.selfchecks_finished += 1
                return
            await asyncio.sleep(self.rng.uniform(0.01, 0.1))

    # ----- the end

    async def settle(self) -> None:
        """Bring the bot back if the last kill left it down, and give due posts time to land: long enough
        for the runner's first retry of a post that met a lost request or a transient error."""
        if not self.alive.is_set() or self.bot.proc is None or self.bot.proc.returncode is not None:
            await self.restart()
        deadline = time.monotonic() + RETRY_DELAYS[0].total_seconds() + 30
        while time.monotonic() < deadline:
            if all(self.post_outcome(g)[0] != "pending" for g in self.guilds if self.is_due(g)):
                break
            await asyncio.sleep(0.5)

    def is_due(self, guild: Guild) -> bool:
        return self.due.get(guild.id, datetime.max.replace(tzinfo=UTC)) <= self.clock.now()

    def post_outcome(self, guild: Guild) -> tuple[str, int, str]:
        channel = next(
            (
                c
                for c in self.server.channels.values()
                if c.name == "quiet-moments" and c.guild_id == guild.id
            ),
            None,
        )
        posts = [m for m in self.server.messages.get(channel.id, [])] if channel else []
        posts = [m for m in posts if m.get("embeds") and m["author"]["id"] == str(self.server.app.user.id)]
        if posts:
            return "sent", len(posts), ""
        with sqlite3.connect(self.db_path) as conn:
            row = conn.execute(
                "SELECT state, reason FROM moment_posts WHERE guild_id = ? ORDER BY local_date DESC LIMIT 1",
                (guild.id,),
            ).fetchone()
        if row and row[0] == "failed" and row[1]:
            return "failed", 0, str(row[1])
        return "pending", 0, ""

    async def answers_again(self) -> bool:
        """The bot answers once the last injected fault has passed (a re-IDENTIFY takes a few seconds)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            check = await self.interact(
                lambda: self.server.slash("resources", user=self.server.member, guild=self.guilds[3])
            )
            if check is not None:
                return "Support lines" in text_of(check.data)
        return False

    async def verify(self) -> None:
        f = self.figures
        for guild in self.guilds:
            if not self.is_due(guild):
                continue
            f.posts_due += 1
            outcome, count, reason = self.post_outcome(guild)
            if outcome == "sent":
                f.posts_sent += 1
                f.posts_duplicated += count - 1
            elif outcome == "failed":
                f.posts_failed_with_reason += 1
                f.failure_reasons[reason] += 1
            else:
                f.posts_missing += 1
                f.problems.append(
                    f"server {guild.name} was due and has neither a post nor a recorded failure"
                )
        content = load_selfcheck()
        with sqlite3.connect(self.db_path) as conn:
            for (user_id, run_id), answers in self.acked.items():
                f.answers_acknowledged += len(answers)
                stored = dict(
                    conn.execute(
                        "SELECT question_index, value FROM selfcheck_answers WHERE run_id = ?", (run_id,)
                    ).fetchall()
                )
                summary = conn.execute(
                    "SELECT scores FROM selfcheck_results WHERE run_id = ?", (run_id,)
                ).fetchone()
                if summary is not None:
                    full = [self.plan[user_id][q] for q in range(len(content.statements))]
                    expected = {s.key: [s.points, s.max_points] for s in score(full, content)}
                    if json.loads(summary[0]) != expected:
                        f.answers_lost += len(answers)
                        f.problems.append(
                            f"run {run_id}: the summary does not count the acknowledged answers"
                        )
                else:
                    lost = [q for q, v in answers.items() if stored.get(q) != v]
                    f.answers_lost += len(lost)
                    if lost:
                        f.problems.append(f"run {run_id}: acknowledged answers {lost} are not stored")
            f.integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        f.late_callbacks = self.server.late_callbacks
        f.alive = await self.answers_again()
        f.exit_code = await self.bot.terminate()
        if f.exit_code != 0:
            f.problems.append(f"SIGTERM exit code {f.exit_code}")


async def run_chaos(
    *, seconds: float, kills: int, servers: int = 50, users: int = 10, seed: int | None = None
) -> Figures:
    seed = random.randrange(1 << 30) if seed is None else seed
    with tempfile.TemporaryDirectory() as tmp:
        chaos = Chaos(
            seconds=seconds, kills=kills, servers=servers, users=users, seed=seed, workdir=Path(tmp)
        )
        figures = await chaos.run()
        figures.seed = seed
        if not figures.ok:
            log = chaos.bot.log()
            figures.problems.append(f"seed {seed}; last bot log lines:\n{log[-3000:]}")
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="the short form used by make test")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--kills", type=int)
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--users", type=int)
    parser.add_argument("--seed", type=int)
    args = parser.parse_args()
    seed = random.randrange(1 << 30) if args.seed is None else args.seed
    print(f"chaos seed: {seed}", flush=True)
    seconds = args.seconds or (35 if args.short else 600)
    kills = args.kills or (3 if args.short else 12)
    users = args.users or (12 if args.short else 30)
    figures = asyncio.run(
        run_chaos(seconds=seconds, kills=kills, servers=args.servers, users=users, seed=seed)
    )
    print("\n".join(figures.lines()))
    return 0 if figures.ok else 1


if __name__ == "__main__":
    sys.exit(main())
