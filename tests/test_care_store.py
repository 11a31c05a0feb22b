"""Regions and moderator notices in the database: who sees which lines, and when moderators hear."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.database import MIGRATIONS_DIR, Database
from bot.guild_settings import GuildSettingsStore
from bot.modnotice import NOTICE_EVERY, ModChannel, ModChannelStore, waiting_notice_due
from bot.regions import UserRegionStore, resolve_region
from bot.resources import DEFAULT_REGION

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_person_then_server_then_international() -> None:
    assert DEFAULT_REGION == "INTL"
    assert resolve_region("UK", "US").code == "UK" and resolve_region("UK", "US").source == "person"
    assert resolve_region(None, "US").source == "server"
    fallback = resolve_region(None, None)
    assert fallback.code == "INTL" and fallback.needs_picker
    assert resolve_region("XX", None).needs_picker, "an unknown stored code is ignored"


def test_waiting_notice_at_most_every_few_hours() -> None:
    never = ModChannel(1, 2, None)
    assert not waiting_notice_due(never, None, NOW), "nothing waits"
    assert waiting_notice_due(never, NOW, NOW)
    told = ModChannel(1, 2, NOW)
    later = NOW + timedelta(minutes=5)
    assert not waiting_notice_due(told, later, later), "inside the quiet window"
    after = NOW + NOTICE_EVERY
    assert waiting_notice_due(told, later, after)
    assert not waiting_notice_due(told, NOW - timedelta(minutes=1), after), "nothing new since the notice"


async def test_user_region_set_read_and_deleted(any_db: Database) -> None:
    db = any_db
    store = UserRegionStore(db)
    assert await store.get(7) is None
    await store.set(7, "IE", NOW)
    await store.set(7, "NZ", NOW)
    assert await store.get(7) == "NZ"
    assert await store.delete(7) == 1 and await store.get(7) is None
    mods = ModChannelStore(db)
    await mods.set(5, 9, NOW)
    await mods.mark_noticed(5, NOW)
    assert await mods.get(5) == ModChannel(5, 9, NOW)
    assert await mods.pending(5) == (0, None)
    assert await mods.delete_guild(5) == 1


async def test_servers_start_international_and_old_choices_survive_the_migration(tmp_path: Path) -> None:
    old = tmp_path / "old_migrations"
    old.mkdir()
    care = next(MIGRATIONS_DIR.glob("*_care.sql")).name
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if path.name < care:
            shutil.copy(path, old / path.name)
    db_path = tmp_path / "s.sqlite3"
    db = await Database.open(db_path, migrations_dir=old)
    await db.execute("INSERT INTO guild_settings (guild_id, region) VALUES (1, 'UK')")
    await db.execute("INSERT INTO guild_settings (guild_id, region) VALUES (2, 'US')")
    await db.execute(
        "INSERT INTO guild_settings (guild_id, removed_at) VALUES (3, '2026-02-01T00:00:00+00:00')"
    )
    await db.close()
    db = await Database.open(db_path)
    try:
        settings = GuildSettingsStore(db)
        assert await settings.chosen_region(1) == "UK"
        assert await settings.chosen_region(2) == "US", "a US chosen before the change stays chosen"
        assert await settings.chosen_region(3) is None and await settings.region(3) == "INTL"
        assert await settings.region(4) == "INTL" and await settings.region(None) == "INTL"
        await settings.set_region(4, "AU")
        assert await settings.chosen_region(4) == "AU"
    finally:
        await db.close()
