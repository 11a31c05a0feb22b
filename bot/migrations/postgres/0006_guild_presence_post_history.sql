-- PostgreSQL twin of ../0006_guild_presence_post_history.sql.
CREATE TABLE guild_presence (
    guild_id BIGINT PRIMARY KEY,
    seen_at TEXT NOT NULL,
    removed_at TEXT
);
CREATE INDEX guild_presence_removed ON guild_presence (removed_at);
INSERT INTO guild_presence (guild_id, seen_at, removed_at)
    SELECT guild_id, COALESCE(removed_at, ''), removed_at FROM guild_settings;
CREATE INDEX moment_posts_local_date ON moment_posts (local_date);
