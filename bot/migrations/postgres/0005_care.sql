-- PostgreSQL twin of ../0005_care.sql.
CREATE TABLE user_regions (
    user_id BIGINT PRIMARY KEY,
    region TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
ALTER TABLE guild_settings ADD COLUMN region_set INTEGER NOT NULL DEFAULT 0;
UPDATE guild_settings SET region_set = 1 WHERE removed_at IS NULL OR region <> 'US';
ALTER TABLE moment_submissions ADD COLUMN care INTEGER NOT NULL DEFAULT 0;
CREATE TABLE mod_channels (
    guild_id BIGINT PRIMARY KEY,
    channel_id BIGINT NOT NULL,
    last_notice_at TEXT,
    updated_at TEXT NOT NULL
);
