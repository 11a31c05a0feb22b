"""The distress detector: a written evaluation set, its errors in the data file, and bounded time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.care import MAX_INPUT, Concern, default_detector, load_care
from bot.care_model import DISTRESS, dump_model, read_cases, train, training_cases
from bot.content import DATA_DIR, ContentError

CASES = Path(__file__).parent / "data" / "care_cases.txt"


def cases() -> list[tuple[str, str]]:
    found = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            label, text = (part.strip() for part in line.split("|", 1))
            found.append((label, text))
    return found


def test_evaluation_set_recall_and_false_alarms() -> None:
    detector = default_detector()
    all_cases = cases()
    by_label: dict[str, list[str]] = {}
    for label, text in all_cases:
        by_label.setdefault(label, []).append(text)
    distress = by_label["self"] + by_label["other"]
    assert len(all_cases) >= 150 and len(distress) >= 80
    assert len(by_label["work"]) >= 35 and len(by_label["ordinary"]) >= 35

    missed = [t for t in distress if not detector.read(t).concern.shows_lines]
    recall = 1 - len(missed) / len(distress)
    flagged = [t for t in by_label["ordinary"] if detector.read(t).concern is not Concern.NONE]
    false_alarms = len(flagged) / len(by_label["ordinary"])
    work_ok = [t for t in by_label["work"] if detector.read(t).concern in (Concern.WORK, Concern.NONE)]
    print(
        f"\ncare detector: recall on distress {recall:.1%} ({len(distress)} cases); "
        f"ordinary flagged {false_alarms:.1%} ({len(by_label['ordinary'])} cases); "
        f"work questions answered as work {len(work_ok) / len(by_label['work']):.1%} "
        f"({len(by_label['work'])} cases)"
    )
    assert not missed, f"missed distress: {missed}"
    assert false_alarms <= 0.05, f"ordinary questions flagged: {flagged}"
    assert len(work_ok) / len(by_label["work"]) >= 0.9


@pytest.mark.parametrize(
    ("text", "concern"),
    [
        ("I want to die", Concern.SELF),
        ("my friend says she wants to kill herself what do i do", Concern.OTHER),
        ("a patient told me they want to die, what do I do", Concern.WORK),
        ("a patient said I want to die, who do I tell", Concern.WORK),
        ("how do suicide precautions work on a unit", Concern.WORK),
        ("my patient died and now I want to die too", Concern.SELF),
        ("what does a mental health technician do", Concern.NONE),
        ("i told my friend i want to kill myself", Concern.SELF),
    ],
)
def test_who_the_words_are_about(text: str, concern: Concern) -> None:
    assert default_detector().read(text).concern is concern


def test_signal_deep_inside_a_long_text() -> None:
    filler = "we had a long week on the unit and the team was kind to each other " * 20
    assert default_detector().read(filler + " honestly i want to die " + filler).concern.shows_lines


def test_bad_pattern_file_names_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "care.toml"
    text = (Path(__file__).parents[1] / "data" / "care.toml").read_text(encoding="utf-8")
    path.write_text(text.replace('"@i ~ @want ~ to? die",', '"@nosuchlist die",', 1), encoding="utf-8")
    with pytest.raises(ContentError, match="nosuchlist"):
        load_care(path, with_model=False)


any_text = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Z", "C")), max_size=500
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_text)
def test_any_text_gets_an_answer_in_bounded_time(text: str) -> None:
    start = time.perf_counter()
    reading = default_detector().read(text)
    assert isinstance(reading.concern, Concern)
    assert time.perf_counter() - start < 0.5


@given(words=st.lists(st.sampled_from(["i", "want", "to", "my", "friend", "kill", "die", "x"]), max_size=600))
@settings(max_examples=100, deadline=None)
def test_adversarial_word_soup_stays_fast(words: list[str]) -> None:
    text = " ".join(words) * 4
    start = time.perf_counter()
    default_detector().read(text)
    assert len(text[:MAX_INPUT]) <= MAX_INPUT
    assert time.perf_counter() - start < 0.5


def test_word_model_generalizes_across_folds() -> None:
    """The word model alone, trained without each fifth of the cases and tested on it: an honest figure
    for phrasings it has never seen (the patterns were tuned on every case, so they can't be measured so)."""
    plain = load_care(with_model=False).plain_words
    cases = read_cases()
    caught = missed = flagged = calm = 0
    for fold in range(5):
        model = train([c for i, c in enumerate(cases) if i % 5 != fold], plain)
        for label, text in cases[fold::5]:
            hit = model.leans_to_distress(plain(text))
            if label in DISTRESS:
                caught, missed = caught + hit, missed + (not hit)
            elif label == "ordinary":
                flagged, calm = flagged + hit, calm + (not hit)
    recall, false_alarms = caught / (caught + missed), flagged / (flagged + calm)
    print(f"\nword model alone, 5-fold: recall {recall:.1%}, ordinary flagged {false_alarms:.1%}")
    assert recall >= 0.7 and false_alarms <= 0.08


def test_shipped_word_model_is_trained_from_the_cases() -> None:
    """Editing the cases without retraining (`python -m bot.care_model`) would leave the model stale."""
    model = train(training_cases(), load_care(with_model=False).plain_words)
    assert (DATA_DIR / "care_model.toml").read_text(encoding="utf-8") == dump_model(model)


def test_readings_of_short_texts_are_remembered_and_long_ones_are_not() -> None:
    """Autocomplete and /faq read the same words again and again; a long shared text is read once."""
    from bot import care as care_module

    care_module.use(care_module.default_detector())
    question = "i can't keep going like this"
    first = care_module.read(question)
    assert first.concern is care_module.Concern.SELF
    assert care_module.read(question) is first
    long_text = "A long day on the unit, and the night shift was kind to me. " * 10
    care_module.read(long_text)
    assert question in care_module._readings and long_text not in care_module._readings
