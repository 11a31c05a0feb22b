"""Issue 14: an approved moment jumps the queue of the current cycle, so it is posted within days."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.database import Database
from bot.moments.rotation import choose_next, cycle_order, queue_position
from bot.moments.store import MomentsStore
from tests.test_moments_rotation import BUILTINS, KEYS, assert_cycles, run_days

NOW = datetime(2024, 1, 1, 12, tzinfo=UTC)


def test_fresh_moments_come_next_in_the_order_given() -> None:
    used = set(KEYS[:10])
    pool = [*KEYS, "sub:1", "sub:2"]
    assert choose_next(7, 0, used, pool, KEYS[9], ["sub:2", "sub:1"]) == (0, "sub:2")
    assert choose_next(7, 0, {*used, "sub:2"}, pool, "sub:2", ["sub:2", "sub:1"]) == (0, "sub:1")
    assert queue_position(used, pool, ["sub:2", "sub:1"], "sub:1") == 1
    assert queue_position(used, pool, ["sub:2", "sub:1"], "sub:3") is None


def test_without_fresh_moments_the_order_is_unchanged() -> None:
    assert choose_next(7, 0, set(), KEYS, None, ["sub:9"]) == (0, cycle_order(7, 0, KEYS)[0])
    assert choose_next(7, 0, set(), KEYS, None) == choose_next(7, 0, set(), KEYS, None, ())


def test_a_fresh_moment_at_a_cycle_boundary_is_not_posted_twice_running() -> None:
    pool = ["a", "b", "sub:1"]
    assert choose_next(1, 0, set(pool), pool, "sub:1", ["sub:1"]) != (1, "sub:1")


@given(
    pool=st.lists(st.text(min_size=1, max_size=4), min_size=2, max_size=20, unique=True),
    fresh_every=st.integers(1, 7),
    steps=st.integers(1, 80),
)
def test_fresh_moments_never_break_the_no_repeat_rule(pool: list[str], fresh_every: int, steps: int) -> None:
    cycle, used, last = 0, set[str](), None
    posted: list[str] = []
    for _ in range(steps):
        fresh = [k for k in pool[::fresh_every] if k not in posted]
        new_cycle, key = choose_next(3, cycle, used, pool, last, fresh) or (0, "")
        if new_cycle != cycle:
            used = set()
        cycle, last = new_cycle, key
        assert key not in used
        used.add(key)
        posted.append(key)
    assert_cycles(posted, len(pool))


async def test_approved_on_day_ten_is_the_very_next_post(tmp_path: Path) -> None:
    discord = await run_days(tmp_path / "db.sqlite3", [5], 30, approve_on={5: 10})
    keys = [m.moment_key for m in discord.in_guild(5)]
    assert keys[10].startswith("sub:"), keys[8:13]
    assert keys.count(keys[10]) == 1


async def test_store_reports_the_queue_position(any_db: Database) -> None:
    db = any_db
    store = MomentsStore(db, BUILTINS)
    await store.set_config(1, 10, time(9), "UTC", False, NOW)
    subs = [await store.add_submission(1, 99, f"Shared moment number {i}.", NOW) for i in range(3)]
    for sub in subs:
        await store.decide(1, sub.id, True, 7, NOW)
    assert [await store.queue_position(1, s.key) for s in subs] == [0, 1, 2]
    peek = await store.peek_next(1)
    assert peek is not None and peek.key == subs[0].key
