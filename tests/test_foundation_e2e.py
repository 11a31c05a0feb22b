"""End to end, with the bot as a real subprocess: kills, faults, logging, and bad start-up input."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.content import DATA_DIR
from bot.testing import BotProcess, DiscordServer, Guild, RunningBot, text_of

ROOT = Path(__file__).resolve().parent.parent


def run_bot_cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "STEADY_", "DATABASE_"))}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_no_token_exits_2_with_one_line(tmp_path: Path) -> None:
    done = run_bot_cli({}, tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0] and ".env.example" in lines[0]
    assert "Traceback" not in done.stderr


def test_bad_settings_exit_2_naming_the_setting(tmp_path: Path) -> None:
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345"
    for name, value in [
        ("DEV_GUILD_ID", "my-server"),
        ("DISCORD_API_BASE", "localhost:8080"),
        ("LOG_LEVEL", "LOUD"),
        ("DISCORD_TOKEN", "not a token"),
    ]:
        done = run_bot_cli({"DISCORD_TOKEN": token, name: value}, tmp_path)
        assert done.returncode == 2, (name, done.stderr)
        assert name in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_dotenv_is_read_and_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DISCORD_TOKEN=\nDEV_GUILD_ID=abc\n")
    done = run_bot_cli(
        {"DISCORD_TOKEN": "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345"}, tmp_path
    )
    assert done.returncode == 2 and "DEV_GUILD_ID" in done.stderr


async def test_kill_after_acknowledged_region_keeps_it(
    discord_server: DiscordServer, tmp_path: Path, guild: Guild
) -> None:
    bot = BotProcess(discord_server, tmp_path / "steady.sqlite3")
    try:
        await bot.start()
        result = await discord_server.slash(
            "config region", user=discord_server.admin, guild=guild, region="NZ"
        )
        await result.wait(timeout=15)
        assert "New Zealand" in text_of(result.data)
        await bot.kill()
        with sqlite3.connect(tmp_path / "steady.sqlite3") as conn:
            row = conn.execute("SELECT region FROM guild_settings WHERE guild_id = ?", (guild.id,)).fetchone()
        assert row == ("NZ",)
    finally:
        await bot.ensure_stopped()


async def test_malformed_resources_stop_startup_naming_file_and_entry(
    discord_server: DiscordServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    text = (data / "resources.toml").read_text()
    (data / "resources.toml").write_text(text.replace('code = "IE"\nname = "Ireland"', 'code = "IE"', 1))
    bot = BotProcess(discord_server, tmp_path / "steady.sqlite3", STEADY_DATA_DIR=str(data))
    assert bot.proc is None
    env = bot.environment()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=str(ROOT), stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    message = err.decode()
    assert proc.returncode == 2, message
    assert "resources.toml" in message and "region 'IE'" in message and "'name'" in message
    assert "Traceback" not in message


async def test_debug_run_logs_no_token_and_sigterm_exits_0(
    discord_server: DiscordServer, tmp_path: Path, guild: Guild
) -> None:
    bot = BotProcess(discord_server, tmp_path / "steady.sqlite3", LOG_LEVEL="DEBUG")
    try:
        await bot.start()
        for region in ("UK", "US"):
            r = await discord_server.slash(
                "config region", user=discord_server.admin, guild=guild, region=region
            )
            await r.wait(timeout=15)
        await (await discord_server.slash("resources", user=discord_server.member, guild=guild)).wait(
            timeout=15
        )
        private = "my private words about a hard night shift"
        asked = await discord_server.slash("faq", user=discord_server.member, question=private)
        await asked.wait(timeout=15)
        await discord_server.drop_gateway()
        await discord_server.wait_for(lambda: discord_server.resumes >= 1, timeout=20)
        assert await bot.terminate() == 0
    finally:
        await bot.ensure_stopped()
    log = bot.log()
    assert "DEBUG" in log and "synced" in log
    token = discord_server.app.token
    assert token not in log
    assert private not in log, "people's words never reach the log"
    for part in token.split("."):
        assert part not in log


async def test_rate_limit_and_server_error_are_survived(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    # In this order discord.py's back-off (1 s after the 500, 0.3 s after the 429) stays inside Discord's
    # 3-second deadline; the other order waits 3.3 s, which Discord (and the local server) refuses.
    discord_server.fail("POST", r"/interactions/\d+/[^/]+/callback", 500)
    discord_server.fail("POST", r"/interactions/\d+/[^/]+/callback", 429, retry_after=0.3)
    result = await discord_server.slash("resources", user=discord_server.member, guild=guild)
    await result.wait(timeout=15)
    assert "findahelpline.com" in text_of(result.data)
    statuses = [r.status for r in discord_server.requests_to("POST", "/callback")]
    assert statuses == [500, 429, 200]


async def test_global_rate_limit_is_survived(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    discord_server.fail("POST", r"/interactions/", 429, retry_after=0.2, is_global=True)
    result = await discord_server.slash("resources", user=discord_server.member, guild=guild)
    await result.wait(timeout=15)
    assert result.ephemeral


async def test_dropped_gateway_is_resumed_and_next_interaction_answered(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    await discord_server.drop_gateway()
    await discord_server.wait_for(
        lambda: discord_server.resumes == 1 and discord_server.connected(), timeout=20
    )
    result = await (await discord_server.slash("resources", user=discord_server.member, guild=guild)).wait()
    assert "findahelpline.com" in text_of(result.data)
    assert discord_server.identifies == 1


async def test_invalid_session_reidentifies(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    await discord_server.invalidate_session()
    await discord_server.wait_for(
        lambda: discord_server.identifies == 2 and discord_server.connected(), timeout=20
    )
    result = await (await discord_server.slash("resources", user=discord_server.member, guild=guild)).wait()
    assert "findahelpline.com" in text_of(result.data)


async def test_an_event_after_shutdown_is_dropped_not_raised(
    discord_server: DiscordServer, steady: RunningBot
) -> None:
    """discord.py can still finish a pending "ready" after close, with no event loop left to run it on."""
    await steady.stop()
    steady.bot.dispatch("ready")
