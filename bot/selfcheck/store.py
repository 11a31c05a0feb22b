"""Self-check storage: each event loads the run, applies the pure machine and writes the change, atomically.

Events are applied one after another inside write transactions, so a double click or two devices can never
lose or double an answer; finishing writes the summary and deletes the answers in the same commit. Under load,
events share a commit (group commit) so that many people clicking at once cost one fsync, not one each.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import weakref
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from bot.clock import Clock
from bot.database import Database
from bot.selfcheck import machine
from bot.selfcheck.content import SelfCheckContent
from bot.selfcheck.machine import Outcome, QualityScore, RunState, Summary


@dataclass(frozen=True)
class Step:
    """The outcome of one event, the run as it now stands, and the summary when there is one."""

    outcome: Outcome
    state: RunState | None = None
    summary: Summary | None = None


class SelfCheckStore:
    """The self-check's repository; every event is committed (durable) before its method returns."""

    def __init__(self, db: Database, content: SelfCheckContent, clock: Clock) -> None:
        self.db = db
        self.content = content
        self.clock = clock

    async def active_run(self, user_id: int) -> RunState | None:
        """The person's unfinished run, if any."""
        return (await self._submit(_Op("active", user_id))).state

    async def begin(self, user_id: int) -> Step:
        """Start a run, or hand back the unfinished one (IN_PROGRESS) to resume or start over."""
        return await self._submit(_Op("begin", user_id))

    async def start_over(self, user_id: int, replacing: int | None) -> Step:
        """Replace run ``replacing`` with a fresh one; if another run has already replaced it, say so."""
        return await self._submit(_Op("start_over", user_id, run_id=replacing))

    async def resume(self, user_id: int, run_id: int) -> Step:
        """The run as stored, for showing its current question again."""
        return await self._submit(_Op("resume", user_id, run_id=run_id))

    async def answer(self, user_id: int, run_id: int, question: int, value: int) -> Step:
        """Store an answer for the question on screen; the last one finishes the run in the same commit."""
        return await self._submit(_Op("answer", user_id, run_id=run_id, question=question, value=value))

    async def back(self, user_id: int, run_id: int, question: int) -> Step:
        """Go back one question from the one on screen."""
        return await self._submit(_Op("back", user_id, run_id=run_id, question=question))

    async def finish(self, user_id: int, run_id: int) -> Step:
        """Finish a fully answered run; finishing it again returns FINISHED with the kept summary."""
        return await self._submit(_Op("finish", user_id, run_id=run_id))

    async def results(self, user_id: int) -> list[Summary]:
        """Every kept summary for a person, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM selfcheck_results WHERE user_id = ? ORDER BY finished_at DESC, result_id DESC",
            (user_id,),
        )
        return [_summary(row) for row in rows]

    async def result_for_run(self, run_id: int) -> Summary | None:
        row = await self.db.fetchone("SELECT * FROM selfcheck_results WHERE run_id = ?", (run_id,))
        return _summary(row) if row else None

    async def _submit(self, op: _Op) -> Step:
        writer = _WRITERS.get(self.db)
        if writer is None:
            writer = _WRITERS[self.db] = _Writer(self.db)
        return await writer.submit(replace(op, now=self.clock.now()), self.content)


# ----- group commit


@dataclass(frozen=True)
class _Op:
    kind: str
    user_id: int
    run_id: int | None = None
    question: int = 0
    value: int = 0
    now: datetime | None = None


_Pending = tuple[_Op, SelfCheckContent, "asyncio.Future[Step]"]
MAX_BATCH = 256


class _Writer:
    """Group commit: events that arrive while a batch is being written form the next batch, which runs
    in one hop on SQLite's thread inside one transaction (one fsync), each event in its own savepoint."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.queue: list[_Pending] = []
        self.task: asyncio.Task[None] | None = None

    async def submit(self, op: _Op, content: SelfCheckContent) -> Step:
        future: asyncio.Future[Step] = asyncio.get_running_loop().create_future()
        self.queue.append((op, content, future))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self.queue:
            batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
            try:
                outcomes = await self.db.run_in_transaction(partial(_apply_batch, batch=batch))
            except BaseException as exc:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, _, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)


_WRITERS: weakref.WeakKeyDictionary[Database, _Writer] = weakref.WeakKeyDictionary()


async def flush_writes(db: Database) -> None:
    """Shutdown: wait until every answer already queued for ``db`` is written."""
    writer = _WRITERS.get(db)
    while writer is not None and (writer.queue or (writer.task is not None and not writer.task.done())):
        if writer.task is None or writer.task.done():
            writer.task = asyncio.create_task(writer._drain())
        await asyncio.gather(writer.task, return_exceptions=True)


def _apply_batch(conn: sqlite3.Connection, batch: list[_Pending]) -> list[Step | BaseException]:
    """Runs on SQLite's thread, inside the open transaction; an event that fails leaves no trace."""
    outcomes: list[Step | BaseException] = []
    for op, content, _ in batch:
        conn.execute("SAVEPOINT selfcheck_event")
        try:
            outcomes.append(_apply(conn, op, content))
        except Exception as exc:
            conn.execute("ROLLBACK TO selfcheck_event")
            outcomes.append(exc)
        conn.execute("RELEASE selfcheck_event")
    return outcomes


def _apply(conn: sqlite3.Connection, op: _Op, content: SelfCheckContent) -> Step:
    assert op.now is not None
    now = op.now.isoformat()
    if op.kind in ("active", "begin", "start_over"):
        row = conn.execute(
            "SELECT run_id, content_version FROM selfcheck_runs WHERE user_id = ?", (op.user_id,)
        ).fetchone()
        current = row is not None and row["content_version"] == content.version
        if op.kind == "active":
            return Step(Outcome.IN_PROGRESS, _load(conn, row["run_id"]) if current else None)
        if current and (op.kind == "begin" or (op.run_id is not None and row["run_id"] != op.run_id)):
            return Step(Outcome.IN_PROGRESS, _load(conn, row["run_id"]))
        if row is not None:
            conn.execute("DELETE FROM selfcheck_answers WHERE run_id = ?", (row["run_id"],))
            conn.execute("DELETE FROM selfcheck_runs WHERE run_id = ?", (row["run_id"],))
        cursor = conn.execute(
            "INSERT INTO selfcheck_runs (user_id, question_count, content_version, started_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (op.user_id, content.total, content.version, now, now),
        )
        assert cursor.lastrowid is not None
        return Step(Outcome.STARTED, machine.start(cursor.lastrowid, op.user_id, content.total))

    assert op.run_id is not None
    found = _check(conn, op.user_id, op.run_id, content)
    if isinstance(found, Step):
        return found
    if op.kind == "resume":
        return Step(Outcome.IN_PROGRESS, found)
    if op.kind == "finish":
        move = machine.finish(found)
        if move.outcome is not Outcome.COMPLETED:
            return Step(move.outcome, found)
        return _finish(conn, found, content, op.now)
    if op.kind == "back":
        move = machine.back(found, op.question)
        if move.outcome is Outcome.WENT_BACK:
            conn.execute(
                "UPDATE selfcheck_runs SET position = ?, updated_at = ? WHERE run_id = ?",
                (move.state.position, now, op.run_id),
            )
        return Step(move.outcome, move.state)
    assert op.kind == "answer", op.kind
    move = machine.answer(found, op.question, op.value, max_value=content.max_value)
    if move.outcome not in (Outcome.ADVANCED, Outcome.COMPLETED):
        return Step(move.outcome, found)
    conn.execute(
        "INSERT INTO selfcheck_answers (run_id, question_index, value, answered_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (run_id, question_index) DO UPDATE SET value = excluded.value, "
        "answered_at = excluded.answered_at",
        (op.run_id, op.question, op.value, now),
    )
    conn.execute(
        "UPDATE selfcheck_runs SET position = ?, updated_at = ? WHERE run_id = ?",
        (move.state.position, now, op.run_id),
    )
    if move.outcome is Outcome.COMPLETED:
        return _finish(conn, move.state, content, op.now)
    return Step(Outcome.ADVANCED, move.state)


def _load(conn: sqlite3.Connection, run_id: int) -> RunState | None:
    row = conn.execute("SELECT * FROM selfcheck_runs WHERE run_id = ?", (run_id,)).fetchone()
    return None if row is None else _state_of(conn, row)


def _state_of(conn: sqlite3.Connection, row: sqlite3.Row) -> RunState:
    """The run in ``row`` (a whole ``selfcheck_runs`` row) with its answers."""
    run_id = row["run_id"]
    answers: list[int | None] = [None] * row["question_count"]
    for index, value in conn.execute(
        "SELECT question_index, value FROM selfcheck_answers WHERE run_id = ?", (run_id,)
    ):
        if 0 <= index < len(answers):
            answers[index] = value
    position = min(row["position"], row["question_count"])
    return RunState(run_id=run_id, user_id=row["user_id"], answers=tuple(answers), position=position)


def _check(conn: sqlite3.Connection, user_id: int, run_id: int, content: SelfCheckContent) -> RunState | Step:
    """The run a button points at, or the Step explaining why it can no longer be used."""
    row = conn.execute("SELECT * FROM selfcheck_runs WHERE run_id = ?", (run_id,)).fetchone()
    if row is None:
        result = conn.execute("SELECT * FROM selfcheck_results WHERE run_id = ?", (run_id,)).fetchone()
        if result is not None and result["user_id"] == user_id:
            return Step(Outcome.FINISHED, summary=_summary(result))
        return Step(Outcome.NOT_YOURS if result is not None else Outcome.GONE)
    if row["user_id"] != user_id:
        return Step(Outcome.NOT_YOURS)
    if row["content_version"] != content.version or row["question_count"] != content.total:
        return Step(Outcome.CONTENT_CHANGED)
    return _state_of(conn, row)


def _finish(conn: sqlite3.Connection, state: RunState, content: SelfCheckContent, now: datetime) -> Step:
    summary = machine.summarise(state, content, now)
    scores = {s.key: [s.points, s.max_points] for s in summary.scores}
    conn.execute(
        "INSERT INTO selfcheck_results (run_id, user_id, band, scores, finished_at) VALUES (?, ?, ?, ?, ?)",
        (state.run_id, state.user_id, summary.band, json.dumps(scores), now.isoformat()),
    )
    conn.execute("DELETE FROM selfcheck_answers WHERE run_id = ?", (state.run_id,))
    conn.execute("DELETE FROM selfcheck_runs WHERE run_id = ?", (state.run_id,))
    return Step(Outcome.COMPLETED, machine.finish(state).state, summary)


def _summary(row: sqlite3.Row) -> Summary:
    scores = json.loads(row["scores"])
    return Summary(
        run_id=row["run_id"],
        user_id=row["user_id"],
        scores=tuple(QualityScore(key, int(p), int(m)) for key, (p, m) in scores.items()),
        band=row["band"],
        finished_at=datetime.fromisoformat(row["finished_at"]),
    )


async def describe_user_data(db: Database, user_id: int, content: SelfCheckContent) -> list[str]:
    """Lines for /mydata in plain words: the run in progress and each kept summary, by their names."""
    lines: list[str] = []
    run = await db.fetchone(
        "SELECT r.position, r.question_count, r.started_at, "
        "(SELECT COUNT(*) FROM selfcheck_answers a WHERE a.run_id = r.run_id) AS answered "
        "FROM selfcheck_runs r WHERE r.user_id = ?",
        (user_id,),
    )
    if run is not None:
        lines.append(
            f"A self-check you haven't finished, started {_day(run['started_at'])}: your "
            f"{plural(run['answered'], 'answer')} so far, out of {run['question_count']} statements."
        )
    for row in await db.fetchall(
        "SELECT band, scores, finished_at FROM selfcheck_results WHERE user_id = ? ORDER BY finished_at",
        (user_id,),
    ):
        scores = [QualityScore(key, int(p), int(m)) for key, (p, m) in json.loads(row["scores"]).items()]
        band = next((b.title for b in content.bands if b.key == row["band"]), None)
        names = {q.key: q.name for q in content.qualities}
        strong = [names.get(s.key, s.key) for s in scores if s.is_strength]
        grow = [names.get(s.key, s.key) for s in scores if not s.is_strength]
        if not grow and content.all_strengths is not None:
            band = content.all_strengths.title  # as the result itself said
        summary = f"The summary of your self-check from {_day(row['finished_at'])}"
        summary += f": “{band}”." if band else "."
        summary += f" Strengths: {_listing(strong)}." if strong else " No strengths were picked out."
        summary += f" Areas to grow: {_listing(grow)}." if grow else " No area to grow stood out."
        lines.append(summary + " Your separate answers are not kept.")
    return lines


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _day(stamp: str) -> str:
    return f"{datetime.fromisoformat(stamp):%d %B %Y}".lstrip("0")


def _listing(names: list[str]) -> str:
    lowered = [n[0].lower() + n[1:] if n[:1].isupper() and not n[1:2].isupper() else n for n in names]
    return ", ".join(lowered[:-1]) + (" and " if len(lowered) > 1 else "") + lowered[-1]


async def delete_user_data(db: Database, user_id: int) -> int:
    """Delete the run in progress, its answers and every kept summary; returns the rows deleted."""
    deleted = 0
    async with db.transaction() as conn:
        for sql in (
            "DELETE FROM selfcheck_answers "
            "WHERE run_id IN (SELECT run_id FROM selfcheck_runs WHERE user_id = ?)",
            "DELETE FROM selfcheck_runs WHERE user_id = ?",
            "DELETE FROM selfcheck_results WHERE user_id = ?",
        ):
            cursor = await conn.execute(sql, (user_id,))
            deleted += max(cursor.rowcount, 0)
    return deleted
