"""Settings are validated once, with one clear line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_API_BASE, Settings, SettingsError

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345"


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN})
    assert settings.api_base == DEFAULT_API_BASE
    assert settings.database_path == Path("data/steady.sqlite3")
    assert settings.dev_guild_id is None and settings.log_level == "INFO"
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DISCORD_TOKEN", ""),
        ("DISCORD_TOKEN", "abc"),
        ("DEV_GUILD_ID", "12ab"),
        ("DEV_GUILD_ID", "-5"),
        ("DISCORD_API_BASE", "discord.com/api"),
        ("DISCORD_GATEWAY_URL", "http://127.0.0.1:1/gateway"),
        ("LOG_LEVEL", "chatty"),
        ("STEADY_CLOCK_START", "next tuesday"),
        ("STEADY_DATA_DIR", "/no/such/folder"),
    ],
)
def test_bad_values_name_the_setting(name: str, value: str, tmp_path: Path) -> None:
    env = {"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "db.sqlite3"), name: value}
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(env)


def test_database_path_folders_are_created_and_unwritable_refused(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b" / "steady.sqlite3"
    assert Settings.from_env({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(nested)}).database_path == nested
    assert nested.parent.is_dir()
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SettingsError, match="DATABASE_PATH"):
        Settings.from_env({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(blocker / "x.sqlite3")})
    with pytest.raises(SettingsError, match="DATABASE_PATH"):
        Settings.from_env({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path)})


def test_dotenv_read_and_real_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"DISCORD_TOKEN={TOKEN}\nLOG_LEVEL=DEBUG\nDATABASE_PATH={tmp_path / 'x.sqlite3'}\n")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    settings = Settings.from_env(dotenv_path=dotenv)
    assert settings.token == TOKEN and settings.log_level == "WARNING"
