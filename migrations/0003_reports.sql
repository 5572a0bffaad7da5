-- Weekly reports, the outbox that delivers them, and the daemon's schedule.

-- One row per reported week: what was open then, so the next report can say what changed.
CREATE TABLE reports (
    id         INTEGER PRIMARY KEY,
    week       TEXT NOT NULL UNIQUE,      -- Monday of the reported week (YYYY-MM-DD)
    as_of      TEXT NOT NULL,             -- evaluation date the report reflects
    counts     TEXT NOT NULL,             -- JSON {kind: open findings}
    created_at TEXT NOT NULL
);

-- Every message is rendered and stored here before any attempt to send it; it is marked sent
-- only after the server accepted it. One message per report and recipient.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    report_id       INTEGER NOT NULL REFERENCES reports(id),
    recipient       TEXT NOT NULL,
    scope           TEXT NOT NULL,        -- office | the department's name
    subject         TEXT NOT NULL,
    html            TEXT NOT NULL,
    text            TEXT NOT NULL,
    csv             TEXT NOT NULL,
    attachment_name TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- Set just before a send, cleared by its outcome: still set at start-up means the process
    -- died while the server may have accepted the message (see `status`).
    sending_since   TEXT,
    last_error      TEXT,
    sent_at         TEXT,
    -- held: not retried automatically (a permanent error, or an outcome lost in a crash).
    held            INTEGER NOT NULL DEFAULT 0,
    UNIQUE (report_id, recipient)
);
CREATE INDEX outbox_pending ON outbox(sent_at, held, next_attempt_at);

-- When each of the daemon's jobs is next due, so a restart catches up what it missed.
CREATE TABLE schedule (
    job           TEXT PRIMARY KEY,       -- crawl | report
    next_due      TEXT NOT NULL,          -- RFC 3339, UTC
    last_started  TEXT,
    last_finished TEXT,
    last_result   TEXT
);
