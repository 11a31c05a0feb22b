"""The built-in quiet moments from ``data/quiet_moments.toml``, validated once at start."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.content import DATA_DIR, ContentError, load_toml, require_str

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
        if not isinstance(entry, dict):
            raise ContentError(path, label, "must be a table")
        key = require_str(path, label, entry, "id")
        label = f"moment '{key}'"
        if not _ID.match(key):
            raise ContentError(path, label, "'id' must be lowercase words joined by hyphens")
        if key in seen:
            raise ContentError(path, label, "'id' is used twice; ids must be unique")
        seen.add(key)
        text = require_str(path, label, entry, "text", max_len=TEXT_MAX)
        prompt = require_str(path, label, entry, "prompt", max_len=PROMPT_MAX, optional=True)
        theme = require_str(path, label, entry, "theme", optional=True)
        moments.append(Moment(key=key, text=" ".join(text.split()), prompt=prompt, theme=theme))
    if len(moments) < min_count:
        raise ContentError(path, "file", f"has {len(moments)} moments; at least {min_count} are needed")
    return moments
