"""/wait steps the clock to each instant the bot sleeps until; a quiet-moments runner that was just woken
(by /config) or is still posting must have settled first, or a post lands an hour late on the clock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.moments.runner import MomentsRunner
from bot.moments.store import ClaimRequest, MomentsStore, PostRecord
from bot.sandbox.session import Sandbox

LAG = 0.4  # seconds of a loaded machine: longer than the sandbox's quiet windows (0.15 s and 0.02 s)


@pytest.fixture(params=["reload", "claim"])
def slow_store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner's reload (after a notify) or its claim lags, as on a busy machine."""
    reload_dirty, claim_many = MomentsRunner._reload_dirty, MomentsStore.claim_many

    async def slow_reload_dirty(self: MomentsRunner) -> None:
        if self._dirty:  # woken by a /config: reading the server's settings back takes a while
            await asyncio.sleep(LAG)
        await reload_dirty(self)

    async def slow_claim_many(
        self: MomentsStore, claims: Iterable[ClaimRequest], now: datetime
    ) -> list[PostRecord]:
        await asyncio.sleep(LAG)
        return await claim_many(self, claims, now)

    if request.param == "reload":
        monkeypatch.setattr(MomentsRunner, "_reload_dirty", slow_reload_dirty)
    else:
        monkeypatch.setattr(MomentsStore, "claim_many", slow_claim_many)


def posts(shown: list[Any]) -> list[datetime]:
    return [s.at for s in shown if s.message.get("embeds") and "quiet" in s.where]


async def test_wait_lets_a_just_woken_or_posting_runner_settle(tmp_path: Path, slow_store: None) -> None:
    start = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    sandbox = await Sandbox.start(tmp_path / "s.sqlite3", start=start)
    try:
        done = await sandbox.slash("/config moments #quiet-moments 12:30 Europe/London")
        assert done.ok, done.notes
        day = await sandbox.wait("2h")
        seen = (day.notes, [(s.where, s.at) for s in day.shown])
        assert posts(day.shown) == [start + timedelta(minutes=30)], seen  # 12:30, not 13:00 or later
        assert sandbox.running is not None
        cog: Any = sandbox.running.bot.get_cog("QuietMoments")
        record = await cog.service.store.get_record(sandbox.guild.id, date(2025, 3, 3))
        assert record is not None and record.state == "sent"
    finally:
        await sandbox.stop()
