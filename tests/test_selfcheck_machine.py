"""The pure self-check machine and its scoring, under generated click sequences and known answer sets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.selfcheck import machine
from bot.selfcheck.content import SelfCheckContent, load_selfcheck
from bot.selfcheck.machine import CHANGES_STATE, Outcome, RunState
from bot.selfcheck.screens import intro_text, progress_bar, question_screen, result_screen

CONTENT = load_selfcheck()
TOTAL = CONTENT.total
WHEN = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Event:
    """One user action; question offsets are relative to the question on screen so that hits are common."""

    kind: str
    offset: int = 0
    value: int = 0


_forward = st.builds(Event, st.just("answer"), st.just(0), st.integers(0, 3))
_others = [
    st.builds(Event, st.just("answer"), st.sampled_from([0, -1, -2, 1, -20]), st.integers(-1, 4)),
    st.builds(Event, st.just("back"), st.sampled_from([0, 0, 1, -1, 2])),
    st.builds(
        Event, st.sampled_from(["double", "double", "resume", "finish", "finish", "start_over", "back_first"])
    ),
]
# Mostly moving forward, so that generated runs often reach the end and get finished (and finished again).
events = st.integers(0, 9).flatmap(lambda k: _forward if k < 7 else _others[k - 7])


def _invariants(state: RunState) -> None:
    assert 0 <= state.position <= state.total
    assert all(a is not None for a in state.answers[: state.position])
    assert all(a is None or 0 <= a <= 3 for a in state.answers)


def _click(state: RunState, event: Event) -> tuple[str, int, int]:
    """The button an event presses, with its absolute question, as a repeat of it would press it again."""
    if event.kind == "answer":
        return ("answer", state.position + event.offset, event.value)
    if event.kind == "back":
        return ("back", state.position + event.offset, 0)
    if event.kind == "back_first":
        return ("back", 0, 0)
    return (event.kind, 0, 0)


def _press(state: RunState, click: tuple[str, int, int]) -> machine.Transition:
    kind, question, value = click
    if kind == "answer":
        return machine.answer(state, question, value)
    if kind == "back":
        return machine.back(state, question)
    assert kind == "finish"
    return machine.finish(state)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(events, min_size=10, max_size=150), st.lists(st.integers(0, 3), min_size=TOTAL, max_size=TOTAL)
)
def test_generated_sequences_keep_every_answer_and_never_corrupt_the_run(
    sequence: list[Event], tail: list[int]
) -> None:
    run_id = 1
    state = machine.start(run_id, 7, TOTAL)
    given_answers: dict[int, int] = {}
    last: tuple[str, int, int] | None = None
    last_changed = False
    summary = None
    for event in sequence:
        if event.kind == "start_over":
            run_id += 1
            state = machine.start(run_id, 7, TOTAL)
            given_answers, summary, last, last_changed = {}, None, None, False
            continue
        if event.kind == "resume":
            screen = question_screen(state, CONTENT)
            assert screen.index == min(state.position, TOTAL - 1)
            assert screen.selected == state.answers[screen.index]
            assert screen.heading == f"Question {screen.index + 1} of {TOTAL}"
            continue
        if event.kind == "double":
            if last is None:
                continue
            click = last
        else:
            click = _click(state, event)
        before = state
        move = _press(state, click)
        kind, question, value = click
        if move.outcome not in CHANGES_STATE:
            assert move.state == before, move.outcome
        if before.finished:
            assert move.outcome is Outcome.FINISHED
        elif event.kind == "double" and last_changed and kind in ("answer", "back"):
            # The repeat of a click that moved the run changes nothing.
            assert move.outcome is Outcome.DUPLICATE
        elif kind == "back" and question == 0 == before.position:
            assert move.outcome is Outcome.FIRST_QUESTION
        elif kind == "answer" and not 0 <= value <= 3:
            assert move.outcome is Outcome.INVALID_VALUE
        elif kind == "answer" and question < before.position - 1:
            assert move.outcome is Outcome.OTHER_QUESTION
        if move.outcome in (Outcome.ADVANCED, Outcome.COMPLETED) and kind == "answer":
            given_answers[question] = value
            assert question == before.position and move.state.position == question + 1
        if move.outcome is Outcome.WENT_BACK:
            assert move.state.position == before.position - 1
            assert move.state.answers == before.answers
        if kind == "finish" and not before.finished:
            if before.complete:
                assert move.outcome is Outcome.COMPLETED and move.state.finished
                summary = machine.summarise(move.state, CONTENT, WHEN)
            else:
                assert move.outcome is Outcome.NOT_COMPLETE
        state = move.state
        _invariants(state)
        if state.complete:
            # Every answer counted: the answers are exactly the last value given for each question.
            assert state.answers == tuple(given_answers[i] for i in range(TOTAL))
        last, last_changed = click, move.outcome in CHANGES_STATE
    # Then the person carries on to the end and finishes (twice, as a double click would).
    while not state.finished and not state.complete:
        q = state.position
        move = machine.answer(state, q, tail[q])
        assert move.outcome in (Outcome.ADVANCED, Outcome.COMPLETED)
        given_answers[q] = tail[q]
        state = move.state
        _invariants(state)
    if not state.finished:
        assert state.answers == tuple(given_answers[i] for i in range(TOTAL))
        state = machine.finish(state).state
        summary = machine.summarise(state, CONTENT, WHEN)
    assert summary is not None
    assert summary.points == sum(given_answers[i] for i in range(TOTAL))
    assert summary.band == machine.band_for(Fraction(summary.points, 3 * TOTAL), CONTENT)
    assert machine.finish(state) == machine.Transition(state, Outcome.FINISHED)


def test_double_click_on_an_answer_is_a_no_op() -> None:
    state = machine.start(1, 7, TOTAL)
    first = machine.answer(state, 0, 2)
    assert first.outcome is Outcome.ADVANCED
    again = machine.answer(first.state, 0, 2)
    assert again.outcome is Outcome.DUPLICATE and again.state == first.state
    other = machine.answer(first.state, 0, 1)
    assert other.outcome is Outcome.OTHER_QUESTION and other.state == first.state


def test_back_on_the_first_question_changes_nothing() -> None:
    state = machine.start(1, 7, TOTAL)
    assert machine.back(state, 0) == machine.Transition(state, Outcome.FIRST_QUESTION)


def test_back_keeps_the_earlier_answer_until_it_is_changed() -> None:
    state = machine.answer(machine.answer(machine.start(1, 7, TOTAL), 0, 3).state, 1, 1).state
    went = machine.back(state, 2)
    assert went.outcome is Outcome.WENT_BACK and went.state.position == 1
    assert question_screen(went.state, CONTENT).selected == 1
    assert machine.back(went.state, 2).outcome is Outcome.DUPLICATE
    changed = machine.answer(went.state, 1, 0).state
    assert changed.answers[:2] == (3, 0) and changed.position == 2


def test_a_click_for_an_old_question_is_refused() -> None:
    state = machine.start(1, 7, TOTAL)
    for q in range(5):
        state = machine.answer(state, q, 1).state
    assert machine.answer(state, 2, 3).outcome is Outcome.OTHER_QUESTION
    assert machine.back(state, 2).outcome is Outcome.OTHER_QUESTION
    assert machine.answer(state, 7, 3).outcome is Outcome.OTHER_QUESTION


def test_finishing_twice() -> None:
    state = machine.start(1, 7, TOTAL)
    assert machine.finish(state).outcome is Outcome.NOT_COMPLETE
    for q in range(TOTAL):
        state = machine.answer(state, q, 2).state
    done = machine.finish(state)
    assert done.outcome is Outcome.COMPLETED
    assert machine.finish(done.state) == machine.Transition(done.state, Outcome.FINISHED)
    assert machine.answer(done.state, TOTAL - 1, 2).outcome is Outcome.FINISHED
    assert machine.back(done.state, TOTAL - 1).outcome is Outcome.FINISHED


def _answers_with_total(points: int) -> list[int]:
    """Answers adding up to ``points``, filled from the first statement."""
    answers = []
    for _ in range(TOTAL):
        take = min(3, points)
        answers.append(take)
        points -= take
    assert points == 0
    return answers


MAX = 3 * TOTAL


@pytest.mark.parametrize(
    ("answers", "band"),
    [
        ([3] * TOTAL, "strong"),
        ([0] * TOTAL, "exploring"),
        ([1] * TOTAL, "exploring"),
        ([2] * TOTAL, "promising"),
        (_answers_with_total(-(-3 * MAX // 4)), "strong"),
        (_answers_with_total(-(-3 * MAX // 4) - 1), "promising"),
        (_answers_with_total(-(-MAX // 2)), "promising"),
        (_answers_with_total(-(-MAX // 2) - 1), "exploring"),
    ],
)
def test_known_answer_sets_map_to_known_bands(answers: list[int], band: str) -> None:
    state = machine.start(1, 7, TOTAL)
    for q, v in enumerate(answers):
        state = machine.answer(state, q, v).state
    summary = machine.summarise(state, CONTENT, WHEN)
    assert summary.band == band
    assert summary.points == sum(answers) and summary.max_points == MAX


def test_per_quality_scores_and_lists() -> None:
    answers = [3 if s.quality in ("patience", "calm") else 0 for s in CONTENT.statements]
    answers[next(i for i, s in enumerate(CONTENT.statements) if s.quality == "care")] = 2
    scores = {s.key: (s.points, s.max_points) for s in machine.score(answers, CONTENT)}
    assert scores["patience"] == (6, 6) and scores["calm"] == (6, 6)
    assert scores["care"] == (2, 3) and scores["empathy"] == (0, 3)
    summary = machine.summarise(_run(answers), CONTENT, WHEN)
    assert [s.key for s in summary.strengths()] == ["patience", "calm", "care"]
    assert summary.growth()[0].key == "boundaries"
    screen = result_screen(summary, CONTENT)
    fields = dict(screen.fields)
    assert CONTENT.quality("patience").strength in fields["Strengths"]
    assert CONTENT.quality("care").strength in fields["Strengths"]
    assert CONTENT.quality("boundaries").growth in fields["Areas to grow"]
    assert "/resources" in screen.resources and screen.disclaimer == CONTENT.disclaimer
    assert screen.title == next(b.title for b in CONTENT.bands if b.key == summary.band)


def test_result_with_no_growth_area_still_reads_kindly() -> None:
    screen = result_screen(machine.summarise(_run([3] * TOTAL), CONTENT, WHEN), CONTENT)
    fields = dict(screen.fields)
    assert fields["Areas to grow"] and fields["Strengths"].count("**") == 6
    assert sum(len(v) + len(k) for k, v in fields.items()) + len(screen.reflection) < 6000


def test_scoring_refuses_a_partial_run() -> None:
    with pytest.raises(ValueError):
        machine.score([1] * (TOTAL - 1) + [None], CONTENT)  # type: ignore[list-item]


def test_question_screen_and_progress() -> None:
    state = machine.start(4, 7, TOTAL)
    first = question_screen(state, CONTENT)
    assert first.intro == intro_text(CONTENT) and not first.can_go_back and first.selected is None
    assert first.statement == CONTENT.statements[0].text
    for q in range(2):
        state = machine.answer(state, q, 1).state
    third = question_screen(state, CONTENT)
    assert third.heading == f"Question 3 of {TOTAL}" and third.intro is None and third.can_go_back
    assert third.progress == "▰▰" + "▱" * (TOTAL - 2) + f" 2/{TOTAL}"
    assert progress_bar(0, 3) == "▱▱▱ 0/3" and progress_bar(5, 3) == "▰▰▰ 3/3"


def _run(answers: list[int], content: SelfCheckContent = CONTENT) -> RunState:
    state = machine.start(1, 7, content.total)
    for q, v in enumerate(answers):
        state = machine.answer(state, q, v).state
    return state


def test_share_is_exact() -> None:
    summary = machine.summarise(_run([2] * TOTAL), CONTENT, WHEN)
    assert summary.share == Fraction(2, 3)
