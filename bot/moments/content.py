"""The built-in quiet moments from ``data/quiet_moments.toml``, validated once at start."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from bot.content import DATA_DIR, ContentError, ContentModel, Text, failed_field, load_toml, validate

MOMENTS_FILE = DATA_DIR / "quiet_moments.toml"
MIN_MOMENTS = 60
TEXT_MAX = 400
PROMPT_MAX = 120
SUBMISSION_PREFIX = "sub:"
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Moment:
    """One moment as posted; ``key`` is what rotation state stores (built-in id, or ``sub:<n>``)."""

    key: str
    text: str
    prompt: str = ""
    theme: str = ""
    author_id: int | None = None


def submission_key(submission_id: int) -> str:
    return f"{SUBMISSION_PREFIX}{submission_id}"


class _MomentTable(ContentModel):
    """One [[moment]] of quiet_moments.toml as written."""

    id: Text = Field(pattern=_ID.pattern)
    text: Text = Field(max_length=TEXT_MAX)
    prompt: Text = Field(default="", max_length=PROMPT_MAX)
    theme: Text = ""

    @classmethod
    def problem(cls, field: str, kind: str, value: Any, ctx: dict[str, Any], item: bool) -> str | None:
        if field == "id" and kind == "string_pattern_mismatch":
            return "'id' must be lowercase words joined by hyphens"
        return None


def load_moments(path: Path = MOMENTS_FILE, *, min_count: int = MIN_MOMENTS) -> list[Moment]:
    """Parse and check every entry so a typo fails at start-up with the file, entry and problem named."""
    doc = load_toml(path)
    entries = doc.get("moment")
    if not isinstance(entries, list) or not entries:
        raise ContentError(path, "file", "needs [[moment]] entries")
    moments: list[Moment] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        label = f"moment #{index}"
        if isinstance(entry, dict) and failed_field(_MomentTable, entry) != "id":
            label = f"moment '{str(entry['id']).strip()}'"
        item = validate(_MomentTable, path, label, entry)
        if item.id in seen:
            raise ContentError(path, label, "'id' is used twice; ids must be unique")
        seen.add(item.id)
        moments.append(
            Moment(key=item.id, text=" ".join(item.text.split()), prompt=item.prompt, theme=item.theme)
        )
    if len(moments) < min_count:
        raise ContentError(path, "file", f"has {len(moments)} moments; at least {min_count} are needed")
    return moments
