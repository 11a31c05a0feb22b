"""The self-check's messages: each button routes to one registered handler, within Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from bot.content import DATA_DIR
from bot.selfcheck import machine
from bot.selfcheck.content import load_selfcheck
from bot.selfcheck.screens import intro_text
from cogs.selfcheck import BUTTONS, QuestionButton, Rendered, SelfCheck

CONTENT = load_selfcheck()
TOTAL = CONTENT.total
BIG_RUN = 9_223_372_036_854_775_807


@pytest.fixture
def cog() -> SelfCheck:
    return SelfCheck(SimpleNamespace(data_dir=DATA_DIR))  # type: ignore[arg-type]


def _buttons(view: Any) -> list[dict[str, Any]]:
    assert isinstance(view, Rendered) and not view.is_dispatchable()
    return [b for row in view.to_components() for b in row["components"]]


def _route(custom_id: str) -> type:
    matches = [cls for cls in BUTTONS if cls.pattern.fullmatch(custom_id)]
    assert len(matches) == 1, (custom_id, matches)
    return matches[0]


def _state(answered: list[int], position: int | None = None) -> machine.RunState:
    state = machine.start(BIG_RUN, 1, TOTAL)
    for q, v in enumerate(answered):
        state = machine.answer(state, q, v).state
    if position is not None:
        state = machine.back(state, state.position).state
    return state


def test_question_buttons_route_to_their_handlers(cog: SelfCheck) -> None:
    embed, view = cog.question_message(_state([1, 2, 3]))
    buttons = _buttons(view)
    assert [b["label"] for b in buttons] == [*CONTENT.labels, "Back"]
    assert [_route(b["custom_id"]) for b in buttons] == [QuestionButton] * 5
    assert buttons[2]["custom_id"] == f"selfcheck:a:{BIG_RUN}:3:2"
    assert buttons[-1]["custom_id"] == f"selfcheck:b:{BIG_RUN}:3"
    assert all(len(b["custom_id"]) <= 100 and len(b["label"]) <= 80 for b in buttons)
    assert not buttons[-1].get("disabled")
    assert embed.title is not None and f"Question 4 of {TOTAL}" in embed.title
    assert embed.footer.text is not None and embed.footer.text.startswith("▰▰▰▱")


def test_first_question_has_the_intro_and_no_way_back(cog: SelfCheck) -> None:
    embed, view = cog.question_message(_state([]))
    assert embed.description is not None and intro_text(CONTENT) in embed.description
    assert _buttons(view)[-1]["disabled"] is True


def test_coming_back_marks_the_earlier_answer(cog: SelfCheck) -> None:
    _, view = cog.question_message(_state([0, 3], position=1))
    styles = [b["style"] for b in _buttons(view)[:4]]
    assert styles == [2, 2, 2, 1]


@pytest.mark.parametrize("answers", [[3] * TOTAL, [0] * TOTAL, [i % 4 for i in range(TOTAL)]])
def test_result_fits_discord_and_offers_a_retake(cog: SelfCheck, answers: list[int]) -> None:
    summary = machine.summarise(_state(answers), CONTENT, datetime(2025, 1, 1, tzinfo=UTC))
    embed, view = cog.result_message(summary)
    assert len(embed) <= 6000 and len(embed.fields) <= 25
    assert all(len(f.value or "") <= 1024 and len(f.name or "") <= 256 for f in embed.fields)
    note = embed.fields[-1].value or ""
    assert CONTENT.disclaimer in note and "/resources" in note
    (retake,) = _buttons(view)
    assert retake["label"] == "Retake" and _route(retake["custom_id"]).__name__ == "RetakeButton"


def test_templates_do_not_overlap_and_reject_junk() -> None:
    for junk in ["selfcheck:a:1:2", "selfcheck:a:x:1:1", "selfcheck:a:1:1:10", "selfcheck:b:1", "faq:1"]:
        assert not any(cls.pattern.fullmatch(junk) for cls in BUTTONS)
