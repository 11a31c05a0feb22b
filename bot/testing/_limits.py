"""Discord's size limits on what a bot sends, and reading a message the way a person would."""

from __future__ import annotations

from typing import Any

EMBED_LIMITS = {"title": 256, "description": 4096}
FIELD_LIMITS = {"name": 256, "value": 1024}


def check_limits(data: Any) -> str | None:
    """Discord's size limits on what a bot sends; a breach is a 400, as on the real API."""
    if not isinstance(data, dict):
        return None
    if len(data.get("content") or "") > 2000:
        return "content over 2000 characters"
    embeds = data.get("embeds") or []
    if len(embeds) > 10:
        return "more than 10 embeds"
    for embed in embeds:
        total = 0
        for key, limit in EMBED_LIMITS.items():
            size = len(embed.get(key) or "")
            total += size
            if size > limit:
                return f"embed {key} over {limit} characters"
        fields = embed.get("fields") or []
        if len(fields) > 25:
            return "more than 25 embed fields"
        for f in fields:
            for key, limit in FIELD_LIMITS.items():
                size = len(f.get(key) or "")
                total += size
                if size > limit or (size == 0 and key in f):
                    return f"embed field {key} must be 1 to {limit} characters"
        footer = len((embed.get("footer") or {}).get("text") or "")
        author = len((embed.get("author") or {}).get("name") or "")
        if footer > 2048 or author > 256:
            return "embed footer or author too long"
        total += footer + author
        if total > 6000:
            return "embed over 6000 characters in all"
    rows = data.get("components") or []
    if len(rows) > 5:
        return "more than 5 component rows"
    for row in rows:
        items = row.get("components") or []
        if len(items) > 5:
            return "more than 5 components in a row"
        for item in items:
            if len(item.get("custom_id") or "") > 100:
                return "custom_id over 100 characters"
            if len(item.get("label") or "") > 80:
                return "button label over 80 characters"
            options = item.get("options") or []
            if len(options) > 25 or any(not 1 <= len(o.get("label") or "") <= 100 for o in options):
                return "a select menu has 1 to 25 options, each labelled in 1 to 100 characters"
    choices = data.get("choices")
    if choices is not None:
        if len(choices) > 25:
            return "more than 25 autocomplete choices"
        for choice in choices:
            if not 1 <= len(choice.get("name") or "") <= 100 or len(str(choice.get("value"))) > 100:
                return "autocomplete choice name or value must be 1 to 100 characters"
    return None


def text_of(message: dict[str, Any]) -> str:
    """All the text a person would read in a message: content, embeds, and button labels."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title", ""), embed.get("description", "")]
        for f in embed.get("fields", []):
            parts += [f.get("name", ""), f.get("value", "")]
        parts.append((embed.get("footer") or {}).get("text", ""))
    for row in message.get("components") or []:
        for item in row.get("components", []):
            parts.append(item.get("label") or "")
    return "\n".join(p for p in parts if p)


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c for row in message.get("components") or [] for c in row.get("components", []) if c.get("type") == 2
    ]
