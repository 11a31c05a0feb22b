-- Career self-check (issue 5).
-- One active run per user; its answers are kept only until the run finishes.
CREATE TABLE selfcheck_runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL UNIQUE,
    position INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
    question_count INTEGER NOT NULL CHECK (question_count > 0),
    content_version TEXT NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- Each answer as it was given; deleted in the same transaction that writes the summary.
CREATE TABLE selfcheck_answers (
    run_id INTEGER NOT NULL REFERENCES selfcheck_runs (run_id) ON DELETE CASCADE,
    question_index INTEGER NOT NULL CHECK (question_index >= 0),
    value INTEGER NOT NULL CHECK (value BETWEEN 0 AND 3),
    answered_at TEXT NOT NULL,
    PRIMARY KEY (run_id, question_index)
) WITHOUT ROWID;
-- What outlives a finished run: per-quality scores (JSON {key: [points, max]}), the band, the date.
CREATE TABLE selfcheck_results (
    result_id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL UNIQUE,
    user_id INTEGER NOT NULL,
    band TEXT NOT NULL,
    scores TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE INDEX selfcheck_results_by_user ON selfcheck_results (user_id, finished_at);
