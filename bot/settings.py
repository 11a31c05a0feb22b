"""Typed settings read once at start from the environment (and `.env`; the real environment wins)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from bot.content import DATA_DIR

DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
DEFAULT_DATABASE_PATH = Path("data/steady.sqlite3")
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
# Three dot-separated base64url parts: the shape of every Discord bot token.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{16,}$")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and says what is accepted."""


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    database_path: Path = DEFAULT_DATABASE_PATH
    api_base: str = DEFAULT_API_BASE
    gateway_url: str = DEFAULT_GATEWAY_URL
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    # For tests, demos and content work only (not in .env.example): STEADY_DATA_DIR, STEADY_CLOCK_START.
    data_dir: Path = DATA_DIR
    clock_start: datetime | None = None
    database_url: str | None = field(default=None, repr=False)  # may carry a password
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    metrics_address: tuple[str, int] | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, dotenv_path: Path | None = None) -> Settings:
        """Validate every setting once, so a bad value stops start-up with a one-line reason."""
        if env is None:
            from dotenv import dotenv_values

            file_values = {k: v for k, v in dotenv_values(dotenv_path or ".env").items() if v is not None}
            env = {**file_values, **os.environ}
        shard_count = _shard_count(env.get("SHARD_COUNT", "").strip())
        return cls(
            token=_token(env.get("DISCORD_TOKEN", "").strip()),
            database_path=_database_path(env.get("DATABASE_PATH", "").strip()),
            api_base=_url(env, "DISCORD_API_BASE", DEFAULT_API_BASE, ("http", "https")).rstrip("/"),
            gateway_url=_url(env, "DISCORD_GATEWAY_URL", DEFAULT_GATEWAY_URL, ("ws", "wss")),
            dev_guild_id=_guild_id(env.get("DEV_GUILD_ID", "").strip()),
            log_level=_log_level(env.get("LOG_LEVEL", "").strip()),
            data_dir=_data_dir(env.get("STEADY_DATA_DIR", "").strip()),
            clock_start=_clock_start(env.get("STEADY_CLOCK_START", "").strip()),
            database_url=_database_url(env.get("DATABASE_URL", "").strip()),
            shard_count=shard_count,
            shard_ids=_shard_ids(env.get("SHARD_IDS", "").strip(), shard_count),
            metrics_address=_metrics_address(env.get("METRICS_ADDRESS", "").strip()),
        )


def _token(value: str) -> str:
    if not value:
        raise SettingsError(
            "DISCORD_TOKEN is not set: put your bot token in the environment or in .env (see .env.example)"
        )
    if not _TOKEN_SHAPE.match(value):
        raise SettingsError(
            "DISCORD_TOKEN does not look like a bot token (three parts separated by dots); "
            "copy it again from the Developer Portal (see .env.example)"
        )
    return value


def _database_path(value: str) -> Path:
    path = Path(value) if value else DEFAULT_DATABASE_PATH
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(f"DATABASE_PATH {value!r}: cannot create its folder ({exc.strerror})") from None
    if path.is_dir():
        raise SettingsError(
            f"DATABASE_PATH {value!r} is a folder; give a file path such as data/steady.sqlite3"
        )
    target = path if path.exists() else path.parent
    if not os.access(target, os.W_OK):
        raise SettingsError(
            f"DATABASE_PATH {value!r} is not writable; choose a file in a folder the bot can write"
        )
    return path


def _url(env: Mapping[str, str], name: str, default: str, schemes: tuple[str, ...]) -> str:
    value = env.get(name, "").strip()
    if not value:
        return default
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not parsed.netloc:
        accepted = " or ".join(f"{s}://" for s in schemes)
        raise SettingsError(f"{name} {value!r} is not a URL; accepted: an address starting with {accepted}")
    return value


def _guild_id(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) <= 0:
        raise SettingsError(
            f"DEV_GUILD_ID {value!r} is not a server id; accepted: the numeric id, or leave it empty"
        )
    return int(value)


def _data_dir(value: str) -> Path:
    if not value:
        return DATA_DIR
    if not Path(value).is_dir():
        raise SettingsError(f"STEADY_DATA_DIR {value!r} is not a folder; accepted: a folder of content files")
    return Path(value)


def _clock_start(value: str) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise SettingsError(
            f"STEADY_CLOCK_START {value!r} is not a date-time; accepted: ISO 8601, e.g. 2026-03-08T06:30:00Z"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _log_level(value: str) -> str:
    level = value.upper() or "INFO"
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL {value!r} is not a level; accepted: {', '.join(LOG_LEVELS)}")
    return level


def _database_url(value: str) -> str | None:
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("postgresql", "postgres") or not parsed.netloc:
        raise SettingsError(
            "DATABASE_URL is not a PostgreSQL URL; accepted: postgresql://user:password@host:5432/database, "
            "or leave it empty to use the SQLite file at DATABASE_PATH"
        )
    return value


def _shard_count(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) <= 0:
        raise SettingsError(f"SHARD_COUNT {value!r} is not a shard count; accepted: a whole number from 1 up")
    return int(value)


def _shard_ids(value: str, count: int | None) -> tuple[int, ...] | None:
    if not value:
        return None
    if count is None:
        raise SettingsError(
            "SHARD_IDS is set without SHARD_COUNT; set both (e.g. SHARD_COUNT=4, SHARD_IDS=0,1)"
        )
    parts = [p.strip() for p in value.split(",")]
    if not all(p.isdigit() for p in parts):
        raise SettingsError(
            f"SHARD_IDS {value!r} is not a list of shard ids; accepted: comma-separated numbers such as 0,1"
        )
    ids = tuple(sorted({int(p) for p in parts}))
    if ids[-1] >= count:
        raise SettingsError(
            f"SHARD_IDS {value!r} is outside SHARD_COUNT {count}; accepted: ids from 0 to {count - 1}"
        )
    return ids


def _metrics_address(value: str) -> tuple[str, int] | None:
    if not value:
        return None
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(
            f"METRICS_ADDRESS {value!r} is not HOST:PORT; accepted: e.g. 127.0.0.1:9100, or leave it empty"
        )
    return host, int(port)
