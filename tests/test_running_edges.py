"""Issue 14: running it. --help and --version need no token; no network at start is waited out with one
line per try, not a traceback; a refused token still stops start-up with one line."""

from __future__ import annotations

import asyncio
import socket
import sys
import tomllib
from pathlib import Path
from typing import Any

import discord
import pytest

from bot import __version__
from bot.__main__ import login_with_retry
from bot.testing import BotProcess, DiscordServer
from tests.test_foundation_e2e import ROOT, run_bot_cli

GOOD_SHAPE = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345"


def run_with(args: list[str], tmp_path: Path) -> Any:
    return run_bot_cli({}, tmp_path, *args)


def test_help_and_version_need_no_token(tmp_path: Path) -> None:
    for flag in ("--help", "-h"):
        done = run_with([flag], tmp_path)
        assert done.returncode == 0 and done.stdout.startswith("usage: steady"), done.stderr
        assert "sandbox" in done.stdout and "DISCORD_TOKEN" in done.stdout and done.stderr == ""
    version = run_with(["--version"], tmp_path)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert (
        version.returncode == 0 and version.stdout.strip() == f"steady {__version__}" == f"steady {project}"
    )
    odd = run_with(["--frobnicate"], tmp_path)
    assert odd.returncode == 2 and "--help" in odd.stderr and len(odd.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists(), "--help must not create a database"


class FakeHttp:
    def __init__(self) -> None:
        self.closed = 0
        self.connector: object = object()

    async def close(self) -> None:
        self.closed += 1


class FakeBot:
    """Just enough of a discord.py client to fail its logins in chosen ways."""

    def __init__(self, failures: list[BaseException]) -> None:
        self.failures = failures
        self.http = FakeHttp()
        self.extensions: dict[str, object] = {}
        self.logins = 0

    async def login(self, token: str) -> None:
        self.logins += 1
        if self.failures:
            raise self.failures.pop(0)


async def test_dns_failure_and_refused_connection_are_retried_with_growing_pauses(
    caplog: pytest.LogCaptureFixture,
) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    bot = FakeBot(
        [socket.gaierror(-2, "Name or service not known")] * 3 + [ConnectionRefusedError(111, "refused")]
    )
    bot.failures += [OSError("again")] * 4
    await login_with_retry(bot, "token", first=2, most=30, sleep=sleep)
    assert bot.logins == 9 and waits == [2, 4, 8, 16, 30, 30, 30, 30]
    lines = [r.getMessage() for r in caplog.records if "cannot reach Discord" in r.getMessage()]
    assert len(lines) == 8 and "Name or service not known" in lines[0] and "\n" not in "".join(lines)
    assert "token" not in "".join(lines)


async def test_a_refused_token_or_a_failure_after_setup_is_not_retried() -> None:
    async def sleep(seconds: float) -> None:
        raise AssertionError("must not wait")

    refused = FakeBot([discord.LoginFailure("Improper token has been passed.")])
    with pytest.raises(discord.LoginFailure):
        await login_with_retry(refused, "token", sleep=sleep)
    late = FakeBot([OSError("gone during setup")])
    late.extensions = {"cogs.faq": object()}
    with pytest.raises(OSError):
        await login_with_retry(late, "token", sleep=sleep)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_bot_waits_for_the_network_then_connects(tmp_path: Path) -> None:
    server = DiscordServer()
    server.add_guild("Night Shift Crew")
    port = free_port()
    bot = BotProcess(
        server,
        tmp_path / "steady.sqlite3",
        DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10",
        DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/gateway",
    )
    log = bot.stderr_path.open("ab")
    bot.proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=bot.environment(), stdout=log, stderr=log, cwd=str(ROOT)
    )
    log.close()
    try:
        for _ in range(100):
            if "cannot reach Discord" in bot.log():
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        assert bot.proc.returncode is None, bot.log()
        assert "cannot reach Discord" in bot.log() and "Traceback" not in bot.log()
        await server.start(port)
        await server.wait_ready(timeout=30)
        assert "Traceback" not in bot.log()
        assert await bot.terminate() == 0
    finally:
        await bot.ensure_stopped()
        await server.stop()


async def test_a_refused_token_still_exits_2_with_one_line(tmp_path: Path) -> None:
    server = DiscordServer()
    await server.start()
    try:
        done = await asyncio.to_thread(
            run_bot_cli,
            {
                "DISCORD_TOKEN": GOOD_SHAPE,
                "DISCORD_API_BASE": server.api_base,
                "DISCORD_GATEWAY_URL": server.gateway_url,
            },
            tmp_path,
        )
    finally:
        await server.stop()
    assert done.returncode == 2 and "DISCORD_TOKEN was refused" in done.stderr
    problems = [line for line in done.stderr.splitlines() if "steady:" in line or "ERROR" in line]
    assert "Traceback" not in done.stderr and len(problems) == 1, done.stderr
