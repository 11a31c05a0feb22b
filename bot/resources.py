"""Crisis and support lines per region: content loading and the choice of lines for a server."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from bot.content import ContentError, load_toml, require_list, require_str

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
        lines = []
        for n, line in enumerate(require_list(path, entry, table, "line"), start=1):
            line_entry = f"{entry}, line {line.get('name') or n}"
            how = require_list(path, line_entry, line, "how")
            if not all(isinstance(h, str) and h.strip() for h in how):
                raise ContentError(path, line_entry, "'how' must list non-empty strings")
            verified = line.get("verified")
            if not isinstance(verified, dt.date) or isinstance(verified, dt.datetime):
                raise ContentError(path, line_entry, "'verified' must be a date such as 2026-11-27")
            source = require_str(path, line_entry, line, "source", max_len=300)
            if not source.startswith(("https://", "http://")) or any(c.isspace() for c in source):
                raise ContentError(path, line_entry, "'source' must be the web address of the page checked")
            lines.append(
                Line(
                    name=require_str(path, line_entry, line, "name", max_len=100),
                    description=require_str(path, line_entry, line, "description", max_len=200),
                    how=tuple(h.strip() for h in how),
                    hours=require_str(path, line_entry, line, "hours", max_len=60),
                    verified=verified,
                    source=source,
                )
            )
        regions[code] = Region(
            code=code,
            name=require_str(path, entry, table, "name", max_len=60),
            emergency=require_str(path, entry, table, "emergency", max_len=200),
            lines=tuple(lines),
        )
    missing = [code for code in REGIONS if code not in regions]
    if missing:
        raise ContentError(path, "regions", f"missing: {', '.join(missing)}")
    return regions
