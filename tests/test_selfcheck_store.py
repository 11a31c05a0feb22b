"""The self-check store on a real SQLite file: answers kept as given, one run per person, atomic finish."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.database import Database
from bot.selfcheck import machine
from bot.selfcheck.content import load_selfcheck
from bot.selfcheck.machine import Outcome, RunState
from bot.selfcheck.store import SelfCheckStore, delete_user_data, describe_user_data
from tests.backends import read_elsewhere

CONTENT = load_selfcheck()
TOTAL = CONTENT.total
START = datetime(2025, 5, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
async def db(any_db: Database) -> AsyncIterator[Database]:
    yield any_db


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def store(db: Database, clock: FakeClock) -> SelfCheckStore:
    return SelfCheckStore(db, CONTENT, clock)


async def _answers(db: Database, run_id: int) -> dict[int, int]:
    rows = await db.fetchall(
        "SELECT question_index, value FROM selfcheck_answers WHERE run_id = ?", (run_id,)
    )
    return {r["question_index"]: r["value"] for r in rows}


async def _count(db: Database, table: str) -> int:
    row = await db.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


async def test_each_answer_is_stored_as_given(store: SelfCheckStore, db: Database, clock: FakeClock) -> None:
    begun = await store.begin(11)
    assert begun.outcome is Outcome.STARTED and begun.state is not None
    run = begun.state.run_id
    for q, v in enumerate([3, 0, 2]):
        clock.advance(timedelta(seconds=5))
        step = await store.answer(11, run, q, v)
        assert step.outcome is Outcome.ADVANCED and step.state is not None and step.state.position == q + 1
    assert await _answers(db, run) == {0: 3, 1: 0, 2: 2}
    # Written to disk: another connection sees it straight away.
    assert await read_elsewhere(db, "SELECT COUNT(*) FROM selfcheck_answers") == (3,)
    assert await read_elsewhere(db, "SELECT position FROM selfcheck_runs") == (3,)


async def test_one_active_run_per_person_and_resume(store: SelfCheckStore, db: Database) -> None:
    first = await store.begin(5)
    assert first.state is not None
    await store.answer(5, first.state.run_id, 0, 1)
    again = await store.begin(5)
    assert again.outcome is Outcome.IN_PROGRESS and again.state is not None
    assert again.state.run_id == first.state.run_id and again.state.position == 1
    resumed = await store.resume(5, first.state.run_id)
    assert resumed.outcome is Outcome.IN_PROGRESS and resumed.state == again.state
    assert await _count(db, "selfcheck_runs") == 1
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO selfcheck_runs "
                "(user_id, question_count, content_version, started_at, updated_at) "
                "VALUES (5, 14, 'x', 'now', 'now')"
            )


async def test_concurrent_begins_make_one_run(store: SelfCheckStore, db: Database) -> None:
    steps = await asyncio.gather(*(store.begin(9) for _ in range(10)))
    assert sorted(s.outcome for s in steps).count(Outcome.STARTED) == 1
    assert len({s.state.run_id for s in steps if s.state}) == 1
    assert await _count(db, "selfcheck_runs") == 1


async def test_start_over_replaces_the_run_and_old_buttons_go_stale(
    store: SelfCheckStore, db: Database
) -> None:
    old = (await store.begin(5)).state
    assert old is not None
    for q in range(4):
        await store.answer(5, old.run_id, q, 2)
    fresh = await store.start_over(5, replacing=old.run_id)
    assert fresh.outcome is Outcome.STARTED and fresh.state is not None
    assert fresh.state.run_id != old.run_id and fresh.state.position == 0 and fresh.state.answered == 0
    assert await _answers(db, old.run_id) == {}
    assert (await store.answer(5, old.run_id, 4, 1)).outcome is Outcome.GONE
    assert (await store.back(5, old.run_id, 4)).outcome is Outcome.GONE
    # A second press of the same Start over button does not throw the new run away.
    await store.answer(5, fresh.state.run_id, 0, 3)
    twice = await store.start_over(5, replacing=old.run_id)
    assert twice.outcome is Outcome.IN_PROGRESS and twice.state is not None
    assert twice.state.run_id == fresh.state.run_id and twice.state.answers[0] == 3


async def test_finish_keeps_only_the_summary(store: SelfCheckStore, db: Database, clock: FakeClock) -> None:
    run = (await store.begin(21)).state
    assert run is not None
    values = [3, 3, 2, 1, 0, 3, 2, 2, 1, 3, 3, 2, 1, 0]
    for q, v in enumerate(values[:-1]):
        assert (await store.answer(21, run.run_id, q, v)).outcome is Outcome.ADVANCED
    clock.advance(timedelta(minutes=3))
    done = await store.answer(21, run.run_id, TOTAL - 1, values[-1])
    assert done.outcome is Outcome.COMPLETED and done.summary is not None
    assert done.summary.points == sum(values) and done.summary.finished_at == START + timedelta(minutes=3)
    assert done.summary.band == machine.band_for(done.summary.share, CONTENT)
    assert await _count(db, "selfcheck_answers") == 0
    assert await _count(db, "selfcheck_runs") == 0
    kept = await store.results(21)
    assert kept == [done.summary]
    scores = {s.key: (s.points, s.max_points) for s in kept[0].scores}
    expected = {q.key: [0, 0] for q in CONTENT.qualities}
    for statement, v in zip(CONTENT.statements, values, strict=True):
        expected[statement.quality][0] += v
        expected[statement.quality][1] += 3
    assert scores == {k: tuple(v) for k, v in expected.items()}
    # Finishing twice, a double click on the last answer, and old buttons all find the kept summary.
    again = await store.finish(21, run.run_id)
    assert again.outcome is Outcome.FINISHED and again.summary == done.summary
    double = await store.answer(21, run.run_id, TOTAL - 1, values[-1])
    assert double.outcome is Outcome.FINISHED and double.summary == done.summary
    assert (await store.back(21, run.run_id, 3)).outcome is Outcome.FINISHED
    assert await store.results(21) == [done.summary]
    assert (await store.begin(21)).outcome is Outcome.STARTED


async def test_finish_is_atomic(store: SelfCheckStore, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    run = (await store.begin(3)).state
    assert run is not None
    for q in range(TOTAL - 1):
        await store.answer(3, run.run_id, q, 1)

    def broken(*args: object, **kwargs: object) -> str:
        raise OSError("disk went away")

    monkeypatch.setattr(json, "dumps", broken)
    with pytest.raises(OSError):
        await store.answer(3, run.run_id, TOTAL - 1, 2)
    monkeypatch.undo()
    # Nothing half done: the last answer and the summary were both rolled back, the rest is intact.
    assert await _answers(db, run.run_id) == {q: 1 for q in range(TOTAL - 1)}
    assert await _count(db, "selfcheck_results") == 0
    state = await store.active_run(3)
    assert state is not None and state.position == TOTAL - 1
    done = await store.answer(3, run.run_id, TOTAL - 1, 2)
    assert done.outcome is Outcome.COMPLETED and done.summary is not None
    assert done.summary.points == TOTAL - 1 + 2


async def test_finish_refuses_an_unfinished_run(store: SelfCheckStore) -> None:
    run = (await store.begin(3)).state
    assert run is not None
    assert (await store.finish(3, run.run_id)).outcome is Outcome.NOT_COMPLETE


async def test_other_peoples_buttons_and_unknown_runs(store: SelfCheckStore) -> None:
    run = (await store.begin(1)).state
    assert run is not None
    assert (await store.answer(2, run.run_id, 0, 1)).outcome is Outcome.NOT_YOURS
    assert (await store.resume(2, run.run_id)).outcome is Outcome.NOT_YOURS
    assert (await store.answer(1, 999_999, 0, 1)).outcome is Outcome.GONE
    assert (await store.answer(1, run.run_id, 0, 9)).outcome is Outcome.INVALID_VALUE
    assert (await store.back(1, run.run_id, 0)).outcome is Outcome.FIRST_QUESTION


async def test_a_run_on_old_questions_is_recognised(db: Database, clock: FakeClock) -> None:
    old_content = replace(CONTENT, statements=CONTENT.statements[::-1])
    old_store = SelfCheckStore(db, old_content, clock)
    run = (await old_store.begin(8)).state
    assert run is not None
    await old_store.answer(8, run.run_id, 0, 1)
    store = SelfCheckStore(db, CONTENT, clock)
    assert (await store.answer(8, run.run_id, 1, 1)).outcome is Outcome.CONTENT_CHANGED
    begun = await store.begin(8)
    assert begun.outcome is Outcome.STARTED and begun.state is not None and begun.state.run_id != run.run_id


async def test_user_data_is_described_and_deleted(store: SelfCheckStore, db: Database) -> None:
    assert await describe_user_data(db, 4, CONTENT) == []
    first = (await store.begin(4)).state
    assert first is not None
    for q in range(TOTAL):
        await store.answer(4, first.run_id, q, 2 if q < TOTAL - 1 else 0)
    second = (await store.begin(4)).state
    assert second is not None
    await store.answer(4, second.run_id, 0, 1)
    other = (await store.begin(99)).state
    assert other is not None
    await store.answer(99, other.run_id, 0, 1)
    lines = await describe_user_data(db, 4, CONTENT)
    assert len(lines) == 2
    assert f"1 answer so far, out of {TOTAL}" in lines[0] and "1 May 2025" in lines[1]
    band = next(b for b in CONTENT.bands if b.key == "promising")
    assert band.title in lines[1] and "Strengths: patience with people in distress" in lines[1]
    assert "Areas to grow: calm in a crisis" in lines[1]
    assert "band" not in " ".join(lines) and "/" not in " ".join(lines) and "_" not in " ".join(lines)
    assert await delete_user_data(db, 4) == 3
    assert await describe_user_data(db, 4, CONTENT) == []
    assert await store.results(4) == []
    assert await store.active_run(99) is not None
    assert await delete_user_data(db, 4) == 0


async def test_many_people_at_once_lose_nothing(store: SelfCheckStore, db: Database) -> None:
    """300 people click through together, with double clicks and a Back now and then; other features write
    to the same database at the same time."""
    rng = random.Random(5)
    plans = {user: [rng.randint(0, 3) for _ in range(TOTAL)] for user in range(1000, 1300)}

    async def person(user: int) -> None:
        step = await store.begin(user)
        assert step.state is not None
        run = step.state.run_id
        answers = plans[user]
        q = 0
        while q < TOTAL:
            await asyncio.sleep(0)
            if q > 1 and rng.random() < 0.1:
                assert (await store.back(user, run, q)).outcome is Outcome.WENT_BACK
                q -= 1
                continue
            clicks = [store.answer(user, run, q, answers[q]) for _ in range(2 if rng.random() < 0.2 else 1)]
            outcomes = [s.outcome for s in await asyncio.gather(*clicks)]
            assert outcomes[0] in (Outcome.ADVANCED, Outcome.COMPLETED), outcomes
            assert all(o in (Outcome.DUPLICATE, Outcome.FINISHED) for o in outcomes[1:]), outcomes
            q += 1

    async def other_feature() -> None:
        for i in range(200):
            await db.execute(
                "INSERT INTO guild_settings (guild_id, region) VALUES (?, 'UK') ON CONFLICT DO NOTHING", (i,)
            )

    await asyncio.gather(*(person(u) for u in plans), other_feature())
    assert await _count(db, "selfcheck_answers") == 0
    assert await _count(db, "selfcheck_runs") == 0
    for user, answers in plans.items():
        (summary,) = await store.results(user)
        assert summary.points == sum(answers)
        per_quality = {q.key: 0 for q in CONTENT.qualities}
        for statement, v in zip(CONTENT.statements, answers, strict=True):
            per_quality[statement.quality] += v
        assert {s.key: s.points for s in summary.scores} == per_quality


# ---- generated sequences against the store, checked step by step against the pure machine

_forward = st.tuples(st.just("answer"), st.just(0), st.integers(0, 3))
_others = [
    st.tuples(st.just("answer"), st.sampled_from([-1, -2, 1]), st.integers(0, 3)),
    st.tuples(st.just("back"), st.sampled_from([0, 0, 1, -1]), st.just(0)),
    st.tuples(
        st.sampled_from(["double", "double", "finish", "start_over", "old_run", "resume", "begin"]),
        st.just(0),
        st.just(0),
    ),
]
# Mostly forward, so that runs often finish and buttons from finished runs get pressed.
_event = st.integers(0, 9).flatmap(lambda k: _forward if k < 7 else _others[k - 7])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_event, min_size=10, max_size=90))
def test_store_follows_the_machine(events: list[tuple[str, int, int]]) -> None:
    asyncio.run(_follow(events))


async def _follow(events: list[tuple[str, int, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "h.sqlite3")
        try:
            await _drive(SelfCheckStore(db, CONTENT, FakeClock(START)), db, events)
        finally:
            await db.close()


async def _drive(store: SelfCheckStore, db: Database, events: list[tuple[str, int, int]]) -> None:
    user = 42
    begun = await store.begin(user)
    assert begun.state is not None
    model: RunState | None = begun.state
    old_runs: list[int] = []
    finished: dict[int, int] = {}
    last: tuple[str, int, int, int] | None = None
    for kind, offset, value in events:
        if kind == "double" and last is not None:
            kind, question, value, run_id = last
        else:
            run_id = model.run_id if model else (old_runs[-1] if old_runs else 1)
            question = (model.position if model else TOTAL - 1) + offset
        if kind == "begin":
            step = await store.begin(user)
            if model is None:
                assert step.outcome is Outcome.STARTED and step.state is not None
                model = step.state
            else:
                assert step.outcome is Outcome.IN_PROGRESS and step.state == model
            continue
        if kind == "start_over":
            step = await store.start_over(user, replacing=run_id)
            assert step.outcome is Outcome.STARTED and step.state is not None
            if model is not None:
                old_runs.append(model.run_id)
            model = step.state
            continue
        if kind == "old_run":
            if old_runs:
                step = await store.answer(user, old_runs[-1], 0, 0)
                assert step.outcome is (Outcome.FINISHED if old_runs[-1] in finished else Outcome.GONE)
            continue
        if kind == "resume":
            if model is not None:
                step = await store.resume(user, model.run_id)
                assert step.state == model
            continue
        if model is None or run_id != model.run_id:
            # A button from a run that was finished or replaced.
            step = await store.answer(user, run_id, question, value)
            if run_id in finished:
                assert step.outcome is Outcome.FINISHED and step.summary is not None
                assert step.summary.points == finished[run_id]
            else:
                assert step.outcome is Outcome.GONE
            continue
        if kind == "answer":
            step = await store.answer(user, run_id, question, value)
            expected = machine.answer(model, question, value)
        elif kind == "back":
            step = await store.back(user, run_id, question)
            expected = machine.back(model, question)
        else:
            step = await store.finish(user, run_id)
            expected = machine.finish(model)
        assert step.outcome is expected.outcome, (kind, question, value)
        last = (kind, question, value, run_id)
        if step.outcome is Outcome.COMPLETED:
            assert step.summary is not None and expected.state.complete
            assert step.summary.points == sum(a for a in expected.state.answers if a is not None)
            finished[model.run_id] = step.summary.points
            old_runs.append(model.run_id)
            model = None
            assert await _count(db, "selfcheck_answers") == 0
            continue
        model = expected.state
        stored = await store.active_run(user)
        assert stored == model
