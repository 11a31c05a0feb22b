"""Crisis and support lines per region: content loading and the choice of lines for a server."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from bot.content import ContentError, ContentModel, Text, load_toml, validate

REGIONS = ("US", "CA", "UK", "IE", "AU", "NZ", "IN", "INTL")
DEFAULT_REGION = "INTL"


@dataclass(frozen=True)
class Line:
    name: str
    description: str
    how: tuple[str, ...]
    hours: str
    verified: dt.date
    source: str


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    emergency: str
    lines: tuple[Line, ...]


class _LineTable(ContentModel):
    """One [[region.line]] of resources.toml as written."""

    name: Text = Field(max_length=100)
    description: Text = Field(max_length=200)
    how: list[Text] = Field(min_length=1)
    hours: Text = Field(max_length=60)
    verified: dt.date
    source: Text = Field(max_length=300, pattern=r"^https?://\S+$")

    @classmethod
    def problem(cls, field: str, kind: str, value: Any, ctx: dict[str, Any], item: bool) -> str | None:
        if field == "how" and item:
            return "'how' must list non-empty strings"
        if field == "source" and kind == "string_pattern_mismatch":
            return "'source' must be the web address of the page checked"
        return None


class _RegionTable(ContentModel):
    """One [[region]] of resources.toml as written (its lines are checked one by one)."""

    name: Text = Field(max_length=60)
    emergency: Text = Field(max_length=200)
    line: list[dict[str, Any]] = Field(min_length=1)


def load_resources(path: Path) -> dict[str, Region]:
    """Every region present; every line says its hours, when it was last verified, and against which page."""
    raw = load_toml(path)
    regions: dict[str, Region] = {}
    for index, table in enumerate(raw.get("region", [])):
        code = table.get("code")
        entry = f"region {code!r}" if code else f"region #{index + 1}"
        if code not in REGIONS:
            raise ContentError(path, entry, f"'code' must be one of {', '.join(REGIONS)}")
        if code in regions:
            raise ContentError(path, entry, "appears twice")
        lines_raw = table.get("line")
        if not isinstance(lines_raw, list) or not lines_raw:
            raise ContentError(path, entry, "'line' must be a non-empty list")
        lines = []
        for n, line in enumerate(lines_raw, start=1):
            label = (
                f"{entry}, line {line.get('name') or n}" if isinstance(line, dict) else f"{entry}, line {n}"
            )
            item = validate(_LineTable, path, label, line)
            lines.append(
                Line(item.name, item.description, tuple(item.how), item.hours, item.verified, item.source)
            )
        region = validate(_RegionTable, path, entry, table)
        regions[code] = Region(code=code, name=region.name, emergency=region.emergency, lines=tuple(lines))
    missing = [code for code in REGIONS if code not in regions]
    if missing:
        raise ContentError(path, "regions", f"missing: {', '.join(missing)}")
    return regions
