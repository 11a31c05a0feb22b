"""Fixtures: a local Discord server with two servers in it, and the real bot running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.database import Database
from bot.testing import DiscordServer, RunningBot, start_bot


@pytest.fixture
async def discord_server() -> AsyncIterator[DiscordServer]:
    server = DiscordServer()
    server.add_guild("Night Shift Crew")
    server.add_guild("Psych Tech Students")
    await server.start()
    yield server
    await server.stop()
    assert not server.violations, f"the bot broke Discord's limits: {server.violations}"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "steady.sqlite3"


@pytest.fixture
async def steady(discord_server: DiscordServer, db_path: Path) -> AsyncIterator[RunningBot]:
    """The real bot, in this process, ready and synced."""
    running = await start_bot(discord_server, db_path)
    yield running
    await running.stop()


FAKE_START = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(FAKE_START)


@pytest.fixture
async def steady_on_fake_clock(
    discord_server: DiscordServer, db_path: Path, fake_clock: FakeClock
) -> AsyncIterator[RunningBot]:
    """The real bot on a clock the test moves."""
    running = await start_bot(discord_server, db_path, clock=fake_clock)
    yield running
    await running.stop()


@pytest.fixture
def guild(discord_server: DiscordServer):
    return next(iter(discord_server.guilds.values()))


@pytest.fixture
def other_guild(discord_server: DiscordServer):
    return list(discord_server.guilds.values())[1]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Storage tests run once per backend (PostgreSQL through STEADY_TEST_POSTGRES_URL)."""
    return str(request.param)


@pytest.fixture
async def any_db(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    from tests.backends import open_backend

    async with open_backend(backend, tmp_path) as db:
        yield db


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.backends import postgres_url, skipped

    if skipped:
        terminalreporter.write_line(
            f"PostgreSQL not reachable at {postgres_url()}: {len(skipped)} PostgreSQL tests skipped "
            "(set STEADY_TEST_POSTGRES_URL, or STEADY_REQUIRE_POSTGRES=1 to fail instead)"
        )
