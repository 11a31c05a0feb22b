-- Server-specific FAQ entries: each server's own questions and answers, shown in /faq for that server only.
-- question_key is the question folded for comparison, so re-adding the same question replaces it in place
-- (keeping its id, which related-topic buttons refer to).
CREATE TABLE faq_server_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id INTEGER NOT NULL,
    question TEXT NOT NULL,
    question_key TEXT NOT NULL,
    answer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (guild_id, question_key)
);
