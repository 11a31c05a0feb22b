-- Care and regions (issue 11).

-- A person's own region for /resources, kept until they delete it with /mydata.
CREATE TABLE user_regions (
    user_id INTEGER PRIMARY KEY,
    region TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Whether a server's moderators chose its region; until they do, /resources shows international lines.
-- Rows written before this were chosen with /config region, except the 'US' default of a row that only
-- recorded the bot's removal.
ALTER TABLE guild_settings ADD COLUMN region_set INTEGER NOT NULL DEFAULT 0;
UPDATE guild_settings SET region_set = 1 WHERE removed_at IS NULL OR region <> 'US';

-- A shared moment whose words suggest its author is struggling: it waits for review, marked for care.
ALTER TABLE moment_submissions ADD COLUMN care INTEGER NOT NULL DEFAULT 0;

-- Where Steady tells moderators about waiting submissions, and when it last told them.
CREATE TABLE mod_channels (
    guild_id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    last_notice_at TEXT,
    updated_at TEXT NOT NULL
);
