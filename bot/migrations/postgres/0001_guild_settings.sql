-- PostgreSQL twin of ../0001_guild_settings.sql (same number, same tables; BIGINT for Discord ids).
CREATE TABLE guild_settings (
    guild_id BIGINT PRIMARY KEY,
    region TEXT NOT NULL DEFAULT 'US',
    removed_at TEXT
);
