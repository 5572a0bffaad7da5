-- Profiles found by discovery for `profile = "auto"` columns, reused until they stop matching.
CREATE TABLE discovered_profiles (
    column_id     TEXT PRIMARY KEY REFERENCES columns(id),
    spec          TEXT NOT NULL,           -- JSON of the profile (as `gkwatch discover` prints it)
    reason        TEXT NOT NULL,
    discovered_at TEXT NOT NULL
);

-- The crawl had to rediscover the column's profile: its page structure changed.
ALTER TABLE column_crawls ADD COLUMN rediscovered INTEGER NOT NULL DEFAULT 0;
