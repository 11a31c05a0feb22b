"""The short chaos run: kills, REST faults and gateway trouble while every feature is in use."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from chaos import run_chaos

SEED = 20261201  # fixed, so a failure here can be replayed with `python bench/chaos.py --short --seed ...`


async def test_short_chaos_keeps_every_promise() -> None:
    figures = await run_chaos(seconds=30, kills=3, servers=50, users=12, seed=SEED)
    report = "\n".join(figures.lines())
    assert figures.ok, report
    assert figures.kills == 3 and figures.posts_due == 50
    assert figures.posts_sent + figures.posts_failed_with_reason == 50
    assert figures.posts_failed_with_reason == 2
    assert figures.answers_acknowledged > 0 and figures.faq_answered > 0
    assert sum(figures.faults.values()) > 10
    assert figures.faults["restart 10 min late"] == 1 and figures.faults["restart 1 min late"] == 1
    assert figures.faults["lost response, stored"] + figures.faults["lost request, never arrived"] > 0
