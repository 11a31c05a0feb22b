"""DATABASE_URL, SHARD_COUNT, SHARD_IDS and METRICS_ADDRESS: validated with the other settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345"


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "db.sqlite3"), **values}


def test_scale_settings_default_to_one_process_on_sqlite(tmp_path: Path) -> None:
    settings = Settings.from_env(_env(tmp_path))
    assert settings.database_url is None and settings.metrics_address is None
    assert settings.shard_count is None and settings.shard_ids is None


def test_scale_settings_are_read(tmp_path: Path) -> None:
    url = "postgresql://steady:secret@db.internal:5433/steady"
    settings = Settings.from_env(
        _env(tmp_path, DATABASE_URL=url, SHARD_COUNT="4", SHARD_IDS="3, 2", METRICS_ADDRESS="0.0.0.0:9100")
    )
    assert settings.database_url == url and "secret" not in repr(settings)
    assert settings.shard_count == 4 and settings.shard_ids == (2, 3)
    assert settings.metrics_address == ("0.0.0.0", 9100)


@pytest.mark.parametrize(
    ("values", "name"),
    [
        ({"DATABASE_URL": "mysql://x@h/db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "127.0.0.1:5432/test"}, "DATABASE_URL"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "four"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0,4"}, "SHARD_IDS"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0,x"}, "SHARD_IDS"),
        ({"SHARD_IDS": "0"}, "SHARD_IDS"),
        ({"METRICS_ADDRESS": "9100"}, "METRICS_ADDRESS"),
        ({"METRICS_ADDRESS": "localhost:99999"}, "METRICS_ADDRESS"),
    ],
)
def test_bad_scale_settings_name_the_setting(values: dict[str, str], name: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=name) as caught:
        Settings.from_env(_env(tmp_path, **values))
    assert "\n" not in str(caught.value)


def test_unreachable_postgres_stops_start_up_with_one_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        **_env(tmp_path, DATABASE_URL="postgresql://steady:hunter2@127.0.0.1:9/steady"),
        "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("steady: DATABASE_URL") and "127.0.0.1:9" in last, done.stderr
    assert "Traceback" not in done.stderr
    assert "hunter2" not in done.stderr
