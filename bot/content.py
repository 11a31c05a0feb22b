"""Loading the bot's content files, validated once at start so a bad file fails loudly and precisely."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_origin

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from pydantic_core import ErrorDetails

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


class ContentModel(BaseModel):
    """One entry of a content file, validated by pydantic; ``problem`` lets a subclass word a failure of
    its own fields (``item``: of one item of a list field) for the people who edit the file."""

    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")

    @classmethod
    def problem(cls, field: str, kind: str, value: Any, ctx: dict[str, Any], item: bool) -> str | None:
        return None

    @classmethod
    def entry_for(cls, loc: tuple[int | str, ...], entry: str) -> str:
        """The entry an error at ``loc`` is reported under (a subclass may name a table's key)."""
        return entry


# A string field: surrounding whitespace is dropped, and it must not be empty.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
M = TypeVar("M", bound=ContentModel)


def validate(model: type[M], path: Path, entry: str, table: Any) -> M:
    """``table`` as a ``model``, or a ContentError naming the file, the entry and the field."""
    if not isinstance(table, dict):
        raise ContentError(path, entry, "must be a table")
    try:
        return model.model_validate(table)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ContentError(path, model.entry_for(error["loc"], entry), _problem(model, error)) from None


def failed_field(model: type[ContentModel], table: Any) -> str | None:
    """The first field ``table`` fails on, if any (to choose how to label the entry)."""
    try:
        model.model_validate(table)
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        return str(loc[0]) if loc else None
    return None


def _problem(model: type[ContentModel], error: ErrorDetails) -> str:
    loc, kind, value = error["loc"], error["type"], error["input"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    field = str(loc[0]) if loc else "entry"
    worded = model.problem(field, kind, value, ctx, len(loc) > 1)
    if worded is not None:
        return worded
    info = model.model_fields.get(field)
    is_list = info is not None and get_origin(info.annotation) is list
    if len(loc) > 1:
        return f"every item of '{field}' must be a non-empty string"
    if kind == "string_too_long":
        return f"'{field}' is {len(str(value).strip())} characters; at most {ctx['max_length']} allowed"
    if is_list and kind == "too_long":
        return f"'{field}' lists more than {ctx['max_length']}"
    if is_list:
        return f"'{field}' must be a non-empty list"
    if kind == "date_type" or (info is not None and info.annotation is dt.date):
        return f"'{field}' must be a date such as 2026-11-27"
    return f"'{field}' must be a non-empty string"
