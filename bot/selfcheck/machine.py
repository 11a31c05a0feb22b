"""The self-check as a pure state machine over stored state, and its scoring.

Every button carries the run and question it was drawn for, so each event is checked against the
stored position: a click meant for another question or run changes nothing and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from bot.selfcheck.content import SelfCheckContent

STRENGTH_SHARE = Fraction(2, 3)


class Outcome(StrEnum):
    """What an event did; only the outcomes in CHANGES_STATE alter the run."""

    STARTED = "started"
    IN_PROGRESS = "in_progress"
    ADVANCED = "advanced"
    WENT_BACK = "went_back"
    COMPLETED = "completed"
    DUPLICATE = "duplicate"
    FIRST_QUESTION = "first_question"
    OTHER_QUESTION = "other_question"
    NOT_COMPLETE = "not_complete"
    INVALID_VALUE = "invalid_value"
    FINISHED = "finished"
    GONE = "gone"
    NOT_YOURS = "not_yours"
    CONTENT_CHANGED = "content_changed"


CHANGES_STATE = frozenset({Outcome.STARTED, Outcome.ADVANCED, Outcome.WENT_BACK, Outcome.COMPLETED})


@dataclass(frozen=True)
class RunState:
    """One person's run: ``position`` is the question on screen; every answer before it is given."""

    run_id: int
    user_id: int
    answers: tuple[int | None, ...]
    position: int = 0
    finished: bool = False

    @property
    def total(self) -> int:
        return len(self.answers)

    @property
    def complete(self) -> bool:
        return self.position >= self.total

    @property
    def answered(self) -> int:
        return sum(a is not None for a in self.answers)


@dataclass(frozen=True)
class Transition:
    state: RunState
    outcome: Outcome


def start(run_id: int, user_id: int, total: int) -> RunState:
    """A fresh run on the first question."""
    if total < 1:
        raise ValueError("a self-check needs at least one statement")
    return RunState(run_id=run_id, user_id=user_id, answers=(None,) * total)


def answer(state: RunState, question: int, value: int, *, max_value: int = 3) -> Transition:
    """Record ``value`` for the question on screen and move on; a repeat of the last click is a no-op."""
    if state.finished:
        return Transition(state, Outcome.FINISHED)
    if not 0 <= value <= max_value:
        return Transition(state, Outcome.INVALID_VALUE)
    if question == state.position and not state.complete:
        answers = (*state.answers[:question], value, *state.answers[question + 1 :])
        moved = replace(state, answers=answers, position=question + 1)
        return Transition(moved, Outcome.COMPLETED if moved.complete else Outcome.ADVANCED)
    if question == state.position - 1 and state.answers[question] == value:
        return Transition(state, Outcome.DUPLICATE)
    return Transition(state, Outcome.OTHER_QUESTION)


def back(state: RunState, question: int) -> Transition:
    """Step back one question from the one on screen; the earlier answer is kept until changed."""
    if state.finished:
        return Transition(state, Outcome.FINISHED)
    if question == state.position and not state.complete:
        if question == 0:
            return Transition(state, Outcome.FIRST_QUESTION)
        return Transition(replace(state, position=question - 1), Outcome.WENT_BACK)
    if question == state.position + 1:
        return Transition(state, Outcome.DUPLICATE)
    return Transition(state, Outcome.OTHER_QUESTION)


def finish(state: RunState) -> Transition:
    """Close a run whose every question is answered; closing it again changes nothing."""
    if state.finished:
        return Transition(state, Outcome.FINISHED)
    if not state.complete:
        return Transition(state, Outcome.NOT_COMPLETE)
    return Transition(replace(state, finished=True), Outcome.COMPLETED)


@dataclass(frozen=True)
class QualityScore:
    key: str
    points: int
    max_points: int

    @property
    def share(self) -> Fraction:
        return Fraction(self.points, self.max_points) if self.max_points else Fraction(0)

    @property
    def is_strength(self) -> bool:
        return self.share >= STRENGTH_SHARE


@dataclass(frozen=True)
class Summary:
    """What is kept of a finished run: per-quality scores, the overall band and when."""

    run_id: int
    user_id: int
    scores: tuple[QualityScore, ...]
    band: str
    finished_at: datetime

    @property
    def points(self) -> int:
        return sum(s.points for s in self.scores)

    @property
    def max_points(self) -> int:
        return sum(s.max_points for s in self.scores)

    @property
    def share(self) -> Fraction:
        return Fraction(self.points, self.max_points) if self.max_points else Fraction(0)

    def strengths(self) -> list[QualityScore]:
        """Strongest first; ties keep the content's order."""
        return sorted((s for s in self.scores if s.is_strength), key=lambda s: -s.share)

    def growth(self) -> list[QualityScore]:
        """Weakest first; ties keep the content's order."""
        return sorted((s for s in self.scores if not s.is_strength), key=lambda s: s.share)


def score(answers: tuple[int | None, ...] | list[int], content: SelfCheckContent) -> tuple[QualityScore, ...]:
    """Points per quality, in the content's quality order."""
    if len(answers) != content.total or any(a is None for a in answers):
        raise ValueError("every statement needs an answer before scoring")
    points = {q.key: 0 for q in content.qualities}
    counts = {q.key: 0 for q in content.qualities}
    for statement, value in zip(content.statements, answers, strict=True):
        assert value is not None
        points[statement.quality] += value
        counts[statement.quality] += 1
    return tuple(QualityScore(k, points[k], counts[k] * content.max_value) for k in points)


def band_for(share: Fraction, content: SelfCheckContent) -> str:
    """The first band (highest minimum first) whose minimum the share reaches."""
    for band in content.bands:
        if share >= band.min:
            return band.key
    return content.bands[-1].key


def summarise(state: RunState, content: SelfCheckContent, finished_at: datetime) -> Summary:
    """Score a complete run into the summary that outlives its answers."""
    scores = score(state.answers, content)
    points = sum(s.points for s in scores)
    maximum = sum(s.max_points for s in scores)
    share = Fraction(points, maximum) if maximum else Fraction(0)
    return Summary(state.run_id, state.user_id, scores, band_for(share, content), finished_at)
