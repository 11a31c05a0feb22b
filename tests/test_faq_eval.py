"""Evaluation of FAQ matching on questions written for it (tests/data/faq_eval.txt), as members type them.

Prints the figures and every confusion. Targets: the top-ranked topic is right for at least 90% of the
answerable questions, and at most 1% of all questions get a confident wrong answer (a wrong answer posted
in the channel). Questions that should get "not sure" count as confident-wrong when answered confidently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.content import DATA_DIR
from bot.faq import FaqIndex, load_faq, match

EVAL_FILE = Path(__file__).parent / "data" / "faq_eval.txt"
NOT_SURE = "-"


@dataclass(frozen=True)
class Case:
    question: str
    expected: frozenset[str]
    shorthand: bool

    @property
    def answerable(self) -> bool:
        return self.expected != {NOT_SURE}


def load_cases(path: Path = EVAL_FILE) -> list[Case]:
    cases: list[Case] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        shorthand = line.startswith("* ")
        expected, _, question = line.removeprefix("* ").partition(" :: ")
        assert question.strip(), f"bad line in {path.name}: {line!r}"
        cases.append(Case(question.strip(), frozenset(expected.strip().split("|")), shorthand))
    return cases


CASES = load_cases()


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex(load_faq(DATA_DIR / "faq.toml"))


def test_the_question_set_is_big_and_varied_enough(index: FaqIndex) -> None:
    keys = {e.key for e in index.entries}
    answerable = [c for c in CASES if c.answerable]
    assert len(CASES) >= 200
    assert sum(c.shorthand for c in CASES) >= 40
    assert len(CASES) - len(answerable) >= 30
    assert all(k in keys for c in CASES for k in c.expected - {NOT_SURE}), "every expected key exists"
    assert len({k for c in answerable for k in c.expected}) >= 55, "the questions cover most topics"


def test_matching_meets_its_targets(index: FaqIndex) -> None:
    index.clear_caches()
    top1 = confident = confident_wrong = unsure_right = 0
    shorthand_top1 = shorthand_total = 0
    confusions: list[str] = []
    for case in CASES:
        result = match(case.question, index)
        top = result.closest[0].entry.key if result.closest and result.closest[0].score > 0 else NOT_SURE
        answered = result.entry.key if result.entry is not None else None
        if case.answerable:
            hit = top in case.expected
            top1 += hit
            if case.shorthand:
                shorthand_total += 1
                shorthand_top1 += hit
            confident += answered is not None
            if answered is not None and answered not in case.expected:
                confident_wrong += 1
                confusions.append(f"WRONG IN CHANNEL {case.question!r}: {answered} ({result.score})")
            elif not hit:
                confusions.append(
                    f"top-1 miss {case.question!r}: {top} ({result.score}), wanted {sorted(case.expected)}"
                )
            elif answered is None:
                confusions.append(f"unsure (right topic offered) {case.question!r}: {top} ({result.score})")
        elif answered is not None and answered not in case.expected:
            confident_wrong += 1
            confusions.append(f"WRONG IN CHANNEL {case.question!r}: {answered} ({result.score})")
        else:
            unsure_right += 1
    answerable = sum(c.answerable for c in CASES)
    unsure = len(CASES) - answerable
    print(f"\nFAQ evaluation: {len(CASES)} questions, {answerable} answerable, {unsure} not sure")
    print(f"  top-1 right on answerable: {top1}/{answerable} = {top1 / answerable:.1%}")
    share = shorthand_top1 / shorthand_total
    print(f"  with typos or shorthand: {shorthand_top1}/{shorthand_total} = {share:.1%}")
    print(f"  answered confidently (in the channel): {confident}/{answerable} = {confident / answerable:.1%}")
    print(f"  not-sure questions kept private: {unsure_right}/{unsure}")
    print(f"  confident wrong answers: {confident_wrong}/{len(CASES)} = {confident_wrong / len(CASES):.1%}")
    for line in confusions:
        print("   ", line)
    assert top1 / answerable >= 0.90
    assert confident_wrong / len(CASES) <= 0.01
    assert confident / answerable >= 0.75, "most answerable questions get their answer in the channel"
