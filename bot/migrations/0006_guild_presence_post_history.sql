-- Every server Steady is in, recorded on join and on ready, so one removed while Steady was offline is
-- purged after 30 days even if it never changed a setting. Removal moves here from guild_settings.
CREATE TABLE guild_presence (
    guild_id INTEGER PRIMARY KEY,
    seen_at TEXT NOT NULL, -- first seen
    removed_at TEXT
);
CREATE INDEX guild_presence_removed ON guild_presence (removed_at);
INSERT INTO guild_presence (guild_id, seen_at, removed_at)
    SELECT guild_id, COALESCE(removed_at, ''), removed_at FROM guild_settings;

-- The runner's start-up query reads the last few days of posts; old ones are pruned (see MomentsStore).
CREATE INDEX moment_posts_local_date ON moment_posts (local_date);
