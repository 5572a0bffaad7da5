-- gkwatch schema, version 1. Never edit a migration that has shipped: add a new one.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE departments (
    name    TEXT PRIMARY KEY,            -- as the district writes it: 区财政局
    aliases TEXT NOT NULL DEFAULT '[]',  -- JSON array
    site    TEXT
);

-- One row per configured column; a column removed from the targets keeps its row and its
-- items (in_config = 0) so history is never lost.
CREATE TABLE columns (
    id           TEXT PRIMARY KEY,       -- the targets file's column id
    department   TEXT NOT NULL REFERENCES departments(name),
    name         TEXT NOT NULL,
    url          TEXT,
    profile      TEXT,                   -- NULL for a page column
    kind         TEXT NOT NULL,
    categories   TEXT NOT NULL DEFAULT '[]',
    max_age_days INTEGER NOT NULL,
    enabled      INTEGER NOT NULL,
    in_config    INTEGER NOT NULL DEFAULT 1,
    -- The last crawl stopped before the end (a later page failed): the next routine crawl
    -- must read every page instead of stopping at the first page with nothing new.
    incomplete   INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL
);

CREATE TABLE crawl_runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL,           -- running | finished | interrupted
    full        INTEGER NOT NULL,
    columns     INTEGER NOT NULL DEFAULT 0,
    pages       INTEGER NOT NULL DEFAULT 0,
    new_items   INTEGER NOT NULL DEFAULT 0,
    errors      INTEGER NOT NULL DEFAULT 0
);

-- What one run found for one column, committed with the column's items.
CREATE TABLE column_crawls (
    run_id      INTEGER NOT NULL REFERENCES crawl_runs(id),
    column_id   TEXT NOT NULL REFERENCES columns(id),
    state       TEXT NOT NULL,           -- ok | unchanged | empty | unreachable | blocked | extraction_failed
    detail      TEXT,
    pages       INTEGER NOT NULL,
    items_seen  INTEGER NOT NULL,
    items_new   INTEGER NOT NULL,
    newest_date TEXT,
    finished_at TEXT NOT NULL,
    PRIMARY KEY (run_id, column_id)
);

CREATE TABLE page_fetches (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES crawl_runs(id),
    column_id   TEXT NOT NULL REFERENCES columns(id),
    url         TEXT NOT NULL,
    method      TEXT NOT NULL,
    kind        TEXT NOT NULL,           -- list | detail
    status      INTEGER,
    bytes       INTEGER,
    duration_ms INTEGER NOT NULL,
    attempts    INTEGER NOT NULL,
    encoding    TEXT,
    error       TEXT,
    fetched_at  TEXT NOT NULL
);
CREATE INDEX page_fetches_run ON page_fetches(run_id, column_id);

CREATE TABLE items (
    id             INTEGER PRIMARY KEY,
    column_id      TEXT NOT NULL REFERENCES columns(id),
    url            TEXT NOT NULL,
    title          TEXT NOT NULL,
    published      TEXT,                 -- YYYY-MM-DD; the 1st for month precision
    date_precision TEXT,                 -- day | month
    date_source    TEXT,                 -- list | url | detail_meta | detail_text
    meta           TEXT,                 -- JSON: the detail page's guideline meta tags
    first_seen     TEXT NOT NULL,
    last_seen      TEXT NOT NULL,
    first_run_id   INTEGER REFERENCES crawl_runs(id),
    UNIQUE (column_id, url)
);
CREATE INDEX items_column_published ON items(column_id, published);

-- Validators of a column's first list page, for conditional GETs.
CREATE TABLE http_cache (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    updated_at    TEXT NOT NULL
);
