"""The crisis-line file: every region, every line dated, and a broken file named precisely."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.content import DATA_DIR, ContentError
from bot.resources import REGIONS, load_resources


def test_shipped_file_covers_every_region() -> None:
    regions = load_resources(DATA_DIR / "resources.toml")
    assert set(regions) == set(REGIONS)
    assert any("988" in how for line in regions["US"].lines for how in line.how)
    assert any("116 123" in how for line in regions["UK"].lines for how in line.how)
    assert any("findahelpline.com" in how for line in regions["INTL"].lines for how in line.how)
    for region in regions.values():
        assert region.emergency
        for line in region.lines:
            assert dt.date(2015, 1, 1) <= line.verified <= dt.date(2030, 1, 1)
            assert line.source.startswith("https://") and line.hours


def test_uk_names_each_nation_and_ireland_lines_are_checked() -> None:
    regions = load_resources(DATA_DIR / "resources.toml")
    uk = {line.name: line for line in regions["UK"].lines}
    assert "NHS 111 (England)" in uk and "NHS 24 (Scotland)" in uk and "NHS 111 Wales" in uk
    assert uk["Lifeline (Northern Ireland)"].how == ("Call 0808 808 8000",)
    ireland = {line.name: line for line in regions["IE"].lines}
    assert ireland["50808"].how == ("Text TALK to 50808",)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace('code = "CA"', 'code = "XX"', 1), "region 'XX': 'code' must be one of"),
        (lambda t: t.replace("verified = ", "checked = ", 1), "verified"),
        (lambda t: t + "\n[[region]]\ncode = 'US'\nname = 'x'\nemergency = 'y'\n[[region.line]]\n", "twice"),
        (lambda t: t + "\nthis is = not toml =\n", "not valid TOML"),
        (lambda t: t.replace("source = ", "page = ", 1), "'source' must be a non-empty string"),
        (lambda t: t.replace('source = "https://', 'source = "see ', 1), "'source' must be the web address"),
        (lambda t: t.replace('hours = "24/7"', "", 1), "'hours' must be a non-empty string"),
    ],
)
def test_broken_file_names_entry_and_problem(tmp_path: Path, edit, expected: str) -> None:
    path = tmp_path / "resources.toml"
    path.write_text(edit((DATA_DIR / "resources.toml").read_text()))
    with pytest.raises(ContentError, match=expected) as err:
        load_resources(path)
    assert str(err.value).startswith("resources.toml: ")


def test_missing_region_is_named(tmp_path: Path) -> None:
    text = (DATA_DIR / "resources.toml").read_text()
    start = text.index('[[region]]\ncode = "NZ"')
    end = text.index("[[region]]", start + 5)
    path = tmp_path / "resources.toml"
    path.write_text(text[:start] + text[end:])
    with pytest.raises(ContentError, match="missing: NZ"):
        load_resources(path)
