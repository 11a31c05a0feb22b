"""Time zones by the names people use (EST, PST, IST, London, India) as well as by IANA name.

Pure and in memory: the alias table is read once from ``data/timezones.toml``; suggestions and
resolution run per keystroke without touching the disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field
from rapidfuzz import fuzz, process

from bot.content import DATA_DIR, ContentError, ContentModel, Text, load_toml, validate
from bot.moments.schedule import ScheduleError, parse_zone, timezone_names

ZONES_FILE = DATA_DIR / "timezones.toml"
CHOICE_MAX = 100
# IANA's own regions; other names (Brazil/West, US/Eastern, Etc/GMT+1) are links or fixed offsets,
# offered only when someone types their start.
_REGIONS: tuple[str, ...] = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Arctic/",
    "Asia/",
    "Atlantic/",
    "Australia/",
)
_REGIONS += ("Europe/", "Indian/", "Pacific/")
_COMMON = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "Europe/London",
    "Europe/Dublin",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "UTC",
)
_SEPARATORS = re.compile(r"[\s_.'’-]+")


def fold(text: str) -> str:
    """Case, spaces, underscores, dots and apostrophes forgiven: ``st. john's`` == ``St_Johns``."""
    return _SEPARATORS.sub(" ", text.casefold()).strip()


@dataclass(frozen=True)
class ZoneAlias:
    zone: str
    label: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class ZoneChoice:
    name: str
    value: str


class ZoneAliases:
    """The alias table, indexed by folded name."""

    def __init__(self, aliases: list[ZoneAlias]) -> None:
        self.aliases = aliases
        self.by_zone = {a.zone: a for a in aliases}
        self.by_name: dict[str, list[ZoneAlias]] = {}
        for alias in aliases:
            for name in alias.names:
                bucket = self.by_name.setdefault(fold(name), [])
                if alias not in bucket:
                    bucket.append(alias)

    def matching(self, query: str) -> list[ZoneAlias]:
        """Aliases named exactly ``query``, then those with a name starting with it."""
        q = fold(query)
        if not q:
            return []
        found = list(self.by_name.get(q, []))
        if len(q) >= 2:
            for name, bucket in self.by_name.items():
                if name != q and name.startswith(q):
                    found += [a for a in bucket if a not in found]
        return found

    def resolve(self, text: str) -> ZoneInfo:
        """An IANA name, or a name from the table that means one zone; otherwise a ScheduleError
        that lists the zones an ambiguous name could mean."""
        try:
            return parse_zone(text)
        except ScheduleError:
            exact = self.by_name.get(fold(text), [])
            if len(exact) == 1:
                return ZoneInfo(exact[0].zone)
            if len(exact) > 1:
                options = ", ".join(f"{a.label} (`{a.zone}`)" for a in exact[:8])
                raise ScheduleError(
                    f"“{text.strip()[:40]}” can mean more than one time zone: {options}. "
                    "Please pick the one you mean from the list as you type."
                ) from None
            raise

    def suggest(self, current: str, now: datetime, limit: int = 25) -> list[ZoneChoice]:
        """Choices for the autocomplete box: named zones first, then IANA names by substring and fuzzy.

        Fixed-offset ``Etc/`` zones (whose signs are inverted: Etc/GMT+1 is UTC−1) and legacy links
        appear only when their start is typed.
        """
        query = current.strip()
        if not query:
            return [self.choice(z, now) for z in _COMMON][:limit]
        values: list[str] = [a.zone for a in self.matching(query)]
        q = fold(query)
        if q in self.by_name:
            # A known abbreviation or place: add only zones with a part starting with it, no fuzzy guesses.
            values += [n for f, n in _regional_by_folded().items() if any(p.startswith(q) for p in _parts(f))]
        else:
            values += [n for f, n in _regional_by_folded().items() if q in f]
            values += [n for f, n in _others_by_folded().items() if f.startswith(q)]
            if len(values) < limit and len(q) >= 3:
                values += self._fuzzy(q, limit)
        unique = list(dict.fromkeys(values))
        return [self.choice(z, now) for z in unique[:limit]]

    def _fuzzy(self, q: str, limit: int) -> list[str]:
        named = process.extract(q, list(self.by_name), scorer=fuzz.WRatio, limit=5, score_cutoff=85)
        values = [a.zone for name, _, _ in named for a in self.by_name[name]]
        scored = process.extract(q, _folded_regional(), scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
        return values + [_regional_by_folded()[name] for name, _, _ in scored]

    def choice(self, zone: str, now: datetime) -> ZoneChoice:
        return ZoneChoice(name=describe_zone(zone, now, self.by_zone.get(zone)), value=zone)


def follows_dst(zone: str, now: datetime) -> bool:
    """Whether the zone's clocks change during the year around ``now``."""
    tz = ZoneInfo(zone)
    offsets = {(now + timedelta(days=d)).astimezone(tz).utcoffset() for d in range(-183, 183, 30)}
    return len(offsets) > 1


def utc_offset(zone: str, now: datetime) -> str:
    offset = now.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    sign = "+" if offset >= timedelta(0) else "−"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def describe_zone(zone: str, now: datetime, alias: ZoneAlias | None = None) -> str:
    """A choice name that says which clock it is, its IANA name, and whether it follows daylight saving."""
    dst = "follows daylight saving" if follows_dst(zone, now) else "no daylight saving"
    if alias is not None:
        text = f"{alias.label} — {zone}, {dst}"
    else:
        text = f"{zone} (now {utc_offset(zone, now)}, {dst})"
    return text if len(text) <= CHOICE_MAX else text[: CHOICE_MAX - 1] + "…"


def _parts(folded: str) -> list[str]:
    return re.split(r"[/ ]", folded)


def zone_phrase(zone: str, now: datetime, alias: ZoneAlias | None = None) -> str:
    """For a confirmation: ``America/New_York time — Eastern Time (US & Canada), follows daylight saving``."""
    dst = "follows daylight saving" if follows_dst(zone, now) else "no daylight saving"
    return f"{zone} time — {alias.label}, {dst}" if alias else f"{zone} time ({dst})"


@cache
def _regional_by_folded() -> dict[str, str]:
    return {fold(n): n for n in timezone_names() if n.startswith(_REGIONS) or n == "UTC"}


@cache
def _others_by_folded() -> dict[str, str]:
    return {fold(n): n for n in timezone_names() if not (n.startswith(_REGIONS) or n == "UTC")}


@cache
def _folded_regional() -> tuple[str, ...]:
    return tuple(_regional_by_folded())


class _ZoneTable(ContentModel):
    """One [[zone]] of timezones.toml as written."""

    zone: Text
    label: Text = Field(max_length=60)
    names: list[Text] = Field(min_length=1)

    @classmethod
    def problem(cls, field: str, kind: str, value: Any, ctx: dict[str, Any], item: bool) -> str | None:
        return "'names' must be non-empty strings" if field == "names" and item else None


def load_zone_aliases(path: Path = ZONES_FILE) -> ZoneAliases:
    """Read and check the alias table once at start: every zone must be a real IANA name."""
    raw = load_toml(path)
    entries = raw.get("zone")
    if not isinstance(entries, list) or not entries:
        raise ContentError(path, "zone", "at least one [[zone]] table is needed")
    known = set(timezone_names())
    aliases: list[ZoneAlias] = []
    for i, entry in enumerate(entries, 1):
        item = validate(_ZoneTable, path, f"zone #{i}", entry)
        if item.zone not in known:
            raise ContentError(path, f"zone #{i}", f"'{item.zone}' is not an IANA time zone name")
        aliases.append(ZoneAlias(item.zone, item.label, tuple(item.names)))
    return ZoneAliases(aliases)
