"""Cleaning and fitting text that people type, before it is stored or shown."""

from __future__ import annotations

import re
import unicodedata

# Control and format characters (Cc, Cf) hide text, reverse it or break layouts; keep line breaks and tabs.
_KEEP = {"\n", "\t"}


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Drop control and invisible format characters, normalise line breaks, trim the ends."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(ch for ch in value if ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    if not multiline:
        kept = " ".join(kept.split())
    else:
        kept = re.sub(r"\n{3,}", "\n\n", kept)
    return kept.strip()


def fit(value: str, limit: int) -> str:
    """Shorten to ``limit`` characters with an ellipsis, never cutting mid-way without saying so."""
    if len(value) <= limit:
        return value
    return value[: max(0, limit - 1)].rstrip() + "…"
