-- Quiet moments (issue 4). Instants are ISO-8601 UTC text; local dates are ISO dates in the server's zone.

-- Where and when each server's daily moment is posted. Dates due before effective_from are never posted,
-- so a server configured (or resumed) after today's time first posts tomorrow.
CREATE TABLE moments_config (
    guild_id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    post_time TEXT NOT NULL,
    timezone TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    thread INTEGER NOT NULL DEFAULT 0,
    effective_from TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One row per server per local date: claimed before sending, then sent / failed; skipped if too late.
CREATE TABLE moment_posts (
    guild_id INTEGER NOT NULL,
    local_date TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'failed', 'skipped')),
    due_at TEXT NOT NULL,
    channel_id INTEGER,
    moment_key TEXT,
    nonce TEXT,
    message_id INTEGER,
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, local_date)
);
CREATE INDEX moment_posts_state ON moment_posts (state);

-- Rotation: the server's current cycle and the moments already used in it.
CREATE TABLE moment_rotation (
    guild_id INTEGER PRIMARY KEY,
    cycle INTEGER NOT NULL DEFAULT 0,
    last_key TEXT
);
CREATE TABLE moment_rotation_used (
    guild_id INTEGER NOT NULL,
    moment_key TEXT NOT NULL,
    PRIMARY KEY (guild_id, moment_key)
);

-- Moments written by members with /share-moment; approved ones join that server's rotation.
CREATE TABLE moment_submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by INTEGER
);
CREATE INDEX moment_submissions_guild ON moment_submissions (guild_id, status, id);
CREATE INDEX moment_submissions_author ON moment_submissions (author_id);
