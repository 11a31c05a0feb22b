"""Self-check under load: many people answering at once, against a bare discord.py bot on the same server.

Steady runs as a real subprocess (`python -m bot`) against the local Discord server; every simulated person
opens `/selfcheck` in DMs and clicks through all statements on the same message.
Checks that every answer is counted and nothing failed, then compares click-to-callback latency with a
bare discord.py bot (also a subprocess) that answers the same click pattern with a static edit.

    .venv/bin/python bench/selfcheck.py [--users 200] [--rounds 5] [--target 1.3] [--think 2.0]

On a machine with two cores or more, the local Discord and the simulated people run on one core and each bot
in turn on the other, and the local Discord's garbage collection waits until a round is over, so the
comparison is of the bots' work.

Two runs: flat out (every person clicks again as soon as the previous edit arrives, so both bots are
saturated and latency is mostly queueing behind CPU), as --rounds alternating rounds (a Steady round, then a
bare round); each ratio is the median of the per-round ratios, printed with its spread (min-max). Then one
round at a human pace (a pause of about --think seconds before each click, so latency is each click's own
service time, about a millisecond; shown for information). Exit status 1 on any lost answer or error, or
when the flat-out median p99 ratio is above the target (the median p50 ratio is for information).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.selfcheck import load_selfcheck  # noqa: E402
from bot.testing import (  # noqa: E402
    BotProcess,
    DiscordServer,
    InteractionResult,
    User,
    buttons_of,
    collector_held,
    pinned,
    split_cores,
)

CORES = split_cores()
BOT_CORES = CORES[1] if CORES is not None else None

BARE_ID = "bare:press"
BARE_BOT = """
import os, sys
import discord, yarl

class Bare(discord.Client):
    async def setup_hook(self):
        view = discord.ui.View(timeout=None)
        button = discord.ui.Button(label="Press", custom_id=sys.argv[1])

        async def pressed(interaction):
            await interaction.response.edit_message(content="Thanks!")

        button.callback = pressed
        view.add_item(button)
        self.add_view(view)

discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
Bare(intents=discord.Intents.none()).run(os.environ["DISCORD_TOKEN"], log_handler=None)
"""


@dataclass
class Phase:
    """One bot under the same load: click latencies (ms), problems seen, and where the time went."""

    latencies: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    bot_cpu: float = 0.0
    server_cpu: float = 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system, all threads) a child process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _measure(
    phase: Phase, pid: int, users: list[User], person: Callable[[User], Awaitable[None]]
) -> None:
    """Run every person at once, timing the whole and the CPU both sides spent."""
    bot_cpu, server_cpu, started = _cpu_of(pid), time.process_time(), time.perf_counter()
    with collector_held():
        await asyncio.gather(*(person(u) for u in users))
        phase.seconds = time.perf_counter() - started
        phase.bot_cpu = _cpu_of(pid) - bot_cpu
        phase.server_cpu = time.process_time() - server_cpu


async def _click(
    server: DiscordServer, phase: Phase, message: dict[str, Any], custom_id: str, think: float, **kw: Any
) -> bool:
    """One click after a pause of about ``think`` seconds (a person reading); False if it was not an edit."""
    if think:
        await asyncio.sleep(random.uniform(0.5 * think, 1.5 * think))
    result: InteractionResult = await server.click(message, custom_id, **kw)
    await result.wait(timeout=120)
    if result.type != 7:
        phase.problems.append(f"{custom_id}: answered with type {result.type}, not an edit")
        return False
    assert result.answered_at is not None
    phase.latencies.append((result.answered_at - result.sent_at) * 1000)
    return True


async def steady_phase(server: DiscordServer, users: list[User], workdir: Path, think: float) -> Phase:
    content = load_selfcheck()
    rng = random.Random(2024)
    plans = {u.id: [rng.randint(0, 3) for _ in range(content.total)] for u in users}
    db_path = workdir / "steady.sqlite3"
    bot = BotProcess(server, db_path, cores=BOT_CORES)
    phase = Phase()
    await bot.start(timeout=60)
    try:
        assert bot.proc is not None
        for opened in await asyncio.gather(*(server.slash("selfcheck", user=u) for u in users)):
            await opened.wait(timeout=60)
        messages = {u.id: server.dm_messages(u)[-1] for u in users}

        async def person(user: User) -> None:
            message = messages[user.id]
            for q, value in enumerate(plans[user.id]):
                custom_id = buttons_of(message)[value]["custom_id"]
                if not custom_id.endswith(f":{q}:{value}"):
                    phase.problems.append(f"user {user.id}: button {custom_id} shown for question {q + 1}")
                    return
                if not await _click(server, phase, message, custom_id, think, user=user):
                    return

        await _measure(phase, bot.proc.pid, users, person)
        await bot.terminate()
    finally:
        await bot.ensure_stopped()

    with sqlite3.connect(db_path) as conn:
        left = conn.execute("SELECT COUNT(*) FROM selfcheck_answers").fetchone()[0]
        results = dict(conn.execute("SELECT user_id, scores FROM selfcheck_results").fetchall())
    if left:
        phase.problems.append(f"{left} per-question answers left after finishing")
    for user in users:
        if user.id not in results:
            phase.problems.append(f"user {user.id}: no result stored")
            continue
        counted = sum(points for points, _ in json.loads(results[user.id]).values())
        if counted != sum(plans[user.id]):
            phase.problems.append(f"user {user.id}: {counted} points stored, {sum(plans[user.id])} given")
    log = bot.log()
    if "Traceback" in log or " ERROR " in log or "database is locked" in log:
        phase.problems.append("the bot logged errors:\n" + log[-3000:])
    return phase


async def bare_phase(server: DiscordServer, users: list[User], clicks: int, think: float) -> Phase:
    app = server.add_application("Bare")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    env.update(
        DISCORD_TOKEN=app.token, DISCORD_API_BASE=server.api_base, DISCORD_GATEWAY_URL=server.gateway_url
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        BARE_BOT,
        BARE_ID,
        env=env,
        cwd=str(ROOT),
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=pinned(BOT_CORES),
    )
    phase = Phase()
    try:
        await server.wait_ready(app, timeout=60)
        button = {"type": 2, "style": 2, "label": "Press", "custom_id": BARE_ID}
        body = {"content": "Press", "components": [{"type": 1, "components": [button]}]}
        messages: dict[int, dict[str, Any]] = {}
        for user in users:
            channel = server.dm_for(user)
            messages[user.id] = server._new_message(channel.id, app.user, body)
            server.messages.setdefault(channel.id, []).append(messages[user.id])

        async def person(user: User) -> None:
            for _ in range(clicks):
                if not await _click(server, phase, messages[user.id], BARE_ID, think, user=user, app=app):
                    return

        await _measure(phase, proc.pid, users, person)
    finally:
        proc.kill()
        _, err = await proc.communicate()
    if b"Traceback" in err:
        phase.problems.append("the bare bot failed:\n" + err.decode(errors="replace")[-2000:])
    return phase


def _pooled(phases: list[Phase]) -> Phase:
    """Every round of one bot as one phase: all latencies, and the time and CPU summed."""
    out = Phase()
    for phase in phases:
        out.latencies += phase.latencies
        out.problems += phase.problems
        out.seconds += phase.seconds
        out.bot_cpu += phase.bot_cpu
        out.server_cpu += phase.server_cpu
    return out


def _report(
    title: str, steadies: list[Phase], bares: list[Phase], clicks: int, target: float | None
) -> tuple[list[str], bool]:
    """Print the figures of alternating rounds; each ratio is the median of the per-round ratios, with its
    spread. Only the median p99 ratio is held to the target (p50 is for information)."""
    print(title)
    steady, bare = _pooled(steadies), _pooled(bares)
    for name, phase in (("Steady", steady), ("bare bot", bare)):
        n = max(1, len(phase.latencies)) / 1000
        print(
            f"  {name:9s} {len(phase.latencies):6d} clicks in {phase.seconds:5.1f} s; CPU per click: "
            f"bot {phase.bot_cpu / n:.2f} ms, local Discord + clients {phase.server_cpu / n:.2f} ms"
        )
    within = True
    for name, share in (("p50", 0.5), ("p99", 0.99)):
        ratios = [s.percentile(share) / b.percentile(share) for s, b in zip(steadies, bares, strict=True)]
        mid = statistics.median(ratios)
        held = target is not None and name == "p99"
        within = within and (not held or mid <= (target or 0))
        verdict = "ok" if mid <= (target or 0) else "OVER TARGET"
        goal = f"target median <= {target}: {verdict}" if held else "for information"
        figure = (
            f"ratio median {mid:4.2f}, spread {min(ratios):4.2f}-{max(ratios):4.2f} over {len(ratios)} rounds"
            if len(ratios) > 1
            else f"ratio {mid:4.2f}"
        )
        print(
            f"  {name} click->callback: Steady {steady.percentile(share):7.1f} ms, "
            f"bare {bare.percentile(share):7.1f} ms (all rounds); {figure} ({goal})"
        )
        if len(ratios) > 1:
            print(f"    per-round {name} ratios: {', '.join(f'{r:.2f}' for r in ratios)}")
    problems = steady.problems + bare.problems
    for i, phase in enumerate(steadies):
        if len(phase.latencies) != clicks:
            problems.append(f"round {i + 1}: only {len(phase.latencies)} of {clicks} Steady clicks answered")
    print(f"  answers: {'every answer counted, no errors' if not problems else 'PROBLEMS'}")
    for problem in problems[:20]:
        print(f"    {problem}")
    return problems, within


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--target", type=float, default=1.3)
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternating flat-out rounds (Steady, then bare), at least 5"
    )
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean seconds a person pauses before each click, paced run"
    )
    args = parser.parse_args()
    if args.rounds < 5:
        parser.error("--rounds must be at least 5: a median of fewer rounds is not steady")
    total = load_selfcheck().total
    clicks = args.users * total
    if CORES is not None:
        os.sched_setaffinity(0, CORES[0])
        print(f"local Discord and clients on core {min(CORES[0])}, each bot in turn on core {min(CORES[1])}")
    server = DiscordServer()
    users = [server.add_user(f"person{i}") for i in range(args.users)]
    await server.start()
    failed = False
    try:
        # The target is for the concurrent load the issue sets, over alternating rounds; at human pace each
        # click costs about a millisecond, and Steady's extra (a durable commit) is shown for information,
        # from one round.
        for label, think, target, rounds in (
            ("flat out: each click as soon as the last edit arrives", 0.0, args.target, args.rounds),
            (f"human pace: about {args.think:g} s between a person's clicks", args.think, None, 1),
        ):
            steadies: list[Phase] = []
            bares: list[Phase] = []
            for _ in range(rounds):
                with tempfile.TemporaryDirectory() as tmp:
                    steadies.append(await steady_phase(server, users, Path(tmp), think))
                bares.append(await bare_phase(server, users, total, think))
            title = (
                f"self-check, {args.users} people x {total} statements at once ({clicks} clicks"
                f"{f' per round, {rounds} alternating rounds' if rounds > 1 else ', one round'}), {label}"
            )
            problems, within = _report(title, steadies, bares, clicks, target)
            failed = failed or bool(problems) or not within
    finally:
        await server.stop()
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
