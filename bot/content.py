"""Loading the bot's content files, validated once at start so a bad file fails loudly and precisely."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


class ContentError(Exception):
    """A content file is malformed or incomplete; the message names the file, the entry and the problem."""

    def __init__(self, file: Path | str, entry: str, problem: str) -> None:
        self.file = Path(file).name
        self.entry = entry
        self.problem = problem
        super().__init__(f"{self.file}: {entry}: {problem}")


def load_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning syntax errors into a ContentError naming the file."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ContentError(path, "file", "not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(path, "file", f"not valid TOML ({exc})") from None


def require_str(
    path: Path,
    entry: str,
    table: dict[str, Any],
    key: str,
    *,
    max_len: int | None = None,
    optional: bool = False,
) -> str:
    """A non-empty string field, within ``max_len`` characters."""
    value = table.get(key)
    if value is None and optional:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ContentError(path, entry, f"'{key}' must be a non-empty string")
    value = value.strip()
    if max_len is not None and len(value) > max_len:
        raise ContentError(path, entry, f"'{key}' is {len(value)} characters; at most {max_len} allowed")
    return value


def require_list(path: Path, entry: str, table: dict[str, Any], key: str) -> list[Any]:
    """A non-empty list field."""
    value = table.get(key)
    if not isinstance(value, list) or not value:
        raise ContentError(path, entry, f"'{key}' must be a non-empty list")
    return value
