"""The self-check content file loads, and each kind of mistake in it is reported by entry."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentError
from bot.selfcheck.content import QUALITY_KEYS, SELFCHECK_FILE, load_selfcheck


def _raw() -> dict[str, Any]:
    with SELFCHECK_FILE.open("rb") as f:
        return tomllib.load(f)


def _value(v: Any) -> str:
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return repr(v)


def _dump(raw: dict[str, Any]) -> str:
    """A small TOML writer for this file's shape: scalars, one plain table, arrays of tables."""
    lines = [f"{k} = {_value(v)}" for k, v in raw.items() if not isinstance(v, dict | list) or _plain(v)]
    for key, value in raw.items():
        if isinstance(value, dict):
            lines.append(f"[{key}]")
            lines += [f"{k} = {_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and not _plain(value):
            for table in value:
                lines.append(f"[[{key}]]")
                lines += [f"{k} = {_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> bool:
    return not isinstance(value, dict) and not (
        isinstance(value, list) and value and isinstance(value[0], dict)
    )


def _write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "selfcheck.toml"
    path.write_text(_dump(raw), encoding="utf-8")
    return path


def test_real_file_loads_with_every_quality_asked() -> None:
    content = load_selfcheck()
    assert 12 <= content.total <= 16
    assert [q.key for q in content.qualities] == list(QUALITY_KEYS)
    assert {s.quality for s in content.statements} == set(QUALITY_KEYS)
    assert len(content.labels) == 4 and content.max_value == 3
    assert content.bands[-1].min == 0
    assert [b.min for b in content.bands] == sorted((b.min for b in content.bands), reverse=True)
    assert {"education", "career"} <= {s.kind for s in content.next_steps}
    assert "diagnosis" in content.disclaimer


def test_round_trip_of_the_writer_loads(tmp_path: Path) -> None:
    assert load_selfcheck(_write(tmp_path, _raw())) == load_selfcheck()


def _drop_statement_quality(raw: dict[str, Any]) -> None:
    raw["statement"] = [s for s in raw["statement"] if s["quality"] != "calm"]
    while len(raw["statement"]) < 12:
        raw["statement"].append(dict(raw["statement"][0], id=f"extra-{len(raw['statement'])}"))


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("three labels", lambda r: r["scale"].update(labels=["a", "b", "c"]), "scale", "exactly 4"),
    ("empty label", lambda r: r["scale"].update(labels=["a", "b", "c", " "]), "scale label 4", "non-empty"),
    ("no intro", lambda r: r.pop("intro"), "intro", "'intro'"),
    (
        "unknown quality key",
        lambda r: r["quality"][0].update(key="kindness"),
        "quality 'kindness'",
        "unknown",
    ),
    ("quality twice", lambda r: r["quality"].append(dict(r["quality"][0])), "quality 'patience'", "twice"),
    ("missing quality", lambda r: r["quality"].pop(), "quality", "shift_work"),
    (
        "statement of unknown quality",
        lambda r: r["statement"][0].update(quality="kindness"),
        "statement 'patience-1'",
        "unknown quality",
    ),
    ("duplicate id", lambda r: r["statement"][1].update(id="patience-1"), "statement 'patience-1'", "twice"),
    (
        "too few statements",
        lambda r: r.update(statement=r["statement"][:11]),
        "statement",
        "between 12 and 16",
    ),
    ("a quality never asked", _drop_statement_quality, "statement", "calm"),
    (
        "long statement",
        lambda r: r["statement"][2].update(text="x" * 301),
        "statement 'care-1'",
        "at most 300",
    ),
    ("band order", lambda r: r["band"][1].update(min=0.9), "band 'promising'", "descending"),
    ("last band not zero", lambda r: r["band"][-1].update(min=0.1), "band 'exploring'", "min = 0.0"),
    ("band min out of range", lambda r: r["band"][0].update(min=1.5), "band 'strong'", "0.0 to 1.0"),
    ("unknown step kind", lambda r: r["next_step"][0].update(kind="other"), "next_step 1", "unknown kind"),
    (
        "no education step",
        lambda r: r.update(next_step=[s for s in r["next_step"] if s["kind"] != "education"]),
        "next_step",
        "'education'",
    ),
]


@pytest.mark.parametrize(("name", "mutate", "entry", "problem"), CASES, ids=[c[0] for c in CASES])
def test_each_mistake_is_named(
    tmp_path: Path, name: str, mutate: Callable[[dict[str, Any]], None], entry: str, problem: str
) -> None:
    raw = copy.deepcopy(_raw())
    mutate(raw)
    with pytest.raises(ContentError) as caught:
        load_selfcheck(_write(tmp_path, raw))
    assert caught.value.file == "selfcheck.toml"
    assert caught.value.entry == entry
    assert problem in caught.value.problem


def test_results_that_cannot_fit_in_one_embed_are_refused(tmp_path: Path) -> None:
    raw = copy.deepcopy(_raw())
    for q in raw["quality"]:
        q["strength"] = "s" * 300
        q["name"] = "n" * 60
    with pytest.raises(ContentError, match="at most 1024"):
        load_selfcheck(_write(tmp_path, raw))


def test_version_follows_the_questions() -> None:
    content = load_selfcheck()
    from dataclasses import replace

    assert replace(content, intro="other words").version == content.version
    assert replace(content, statements=content.statements[::-1]).version != content.version
