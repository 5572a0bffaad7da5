-- Classification and findings.

-- 成文日期 read from a detail page, for the late-publication rule.
ALTER TABLE items ADD COLUMN written TEXT;

-- Categories of each item and the pattern (or column) that gave each one.
CREATE TABLE item_categories (
    item_id  INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    pattern  TEXT NOT NULL,
    PRIMARY KEY (item_id, category)
);
CREATE INDEX item_categories_category ON item_categories(category);

-- Findings keep their history: a condition that clears resolves its finding; when it returns
-- it opens a new one. At most one unresolved finding per key.
CREATE TABLE findings (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL,
    kind         TEXT NOT NULL,
    department   TEXT NOT NULL,
    column_id    TEXT,
    task         INTEGER,
    severity     TEXT NOT NULL,
    audience     TEXT NOT NULL,            -- department | operator
    message      TEXT NOT NULL,
    evidence     TEXT NOT NULL,            -- JSON
    first_seen   TEXT NOT NULL,            -- evaluation dates (YYYY-MM-DD)
    last_seen    TEXT NOT NULL,
    resolved_at  TEXT,
    waived_at    TEXT,                     -- RFC 3339
    waived_by    TEXT,
    waive_note   TEXT,
    waived_until TEXT                      -- YYYY-MM-DD, inclusive; NULL: until resolved
);
CREATE UNIQUE INDEX findings_unresolved_key ON findings(key) WHERE resolved_at IS NULL;
CREATE INDEX findings_department ON findings(department, kind);
