-- Per-server settings shared by every feature.
CREATE TABLE guild_settings (
    guild_id INTEGER PRIMARY KEY,
    region TEXT NOT NULL DEFAULT 'US',
    removed_at TEXT
);
