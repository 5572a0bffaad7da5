-- Issue 18, part 1: every new item's page read and scanned for personal data.
--
-- `content_scans`: one row per item whose published page was read for the privacy scan (or
-- could not be): `scanned` (its page read and scanned) or `failed` (the page did not load:
-- counted as not scanned, with why). Attachments linked from the page are listed in
-- `content_attachments`; until their reader is wired in they stay `not_scanned`.
CREATE TABLE content_scans (
    item_id           INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    page_url          TEXT NOT NULL,
    state             TEXT NOT NULL,            -- scanned | failed
    reason            TEXT,                     -- why not scanned
    attempts          INTEGER NOT NULL DEFAULT 1,
    pages_scanned     INTEGER NOT NULL DEFAULT 0,
    pages_not_scanned INTEGER NOT NULL DEFAULT 0,
    masked_numbers    INTEGER NOT NULL DEFAULT 0, -- numbers published properly masked
    scanned_at        TEXT NOT NULL,
    run_id            INTEGER REFERENCES crawl_runs(id)
);
CREATE INDEX content_scans_state ON content_scans(state);

-- Personal numbers found, never in full: the masked form, where, and a keyed fingerprint
-- (HMAC-SHA256 under the deployment's secret, recognising the same number again).
CREATE TABLE privacy_hits (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    source_url  TEXT NOT NULL,                  -- the page or attachment
    kind        TEXT NOT NULL,                  -- id_card | id_card15 | bank_card | mobile
    weak        INTEGER NOT NULL DEFAULT 0,     -- a published mask showing too much
    masked      TEXT NOT NULL,
    position    TEXT NOT NULL,                  -- JSON: the scanner's Position
    place       TEXT NOT NULL,                  -- for staff: 表格第1个「身份证号码」列 / 正文第3行
    near_name   INTEGER NOT NULL DEFAULT 0,
    confidence  TEXT,                           -- low | medium | high (none for weak masks)
    fingerprint TEXT
);
CREATE INDEX privacy_hits_item ON privacy_hits(item_id);

-- Attachment links found on scanned pages: the seam where their reader plugs in.
CREATE TABLE content_attachments (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    url     TEXT NOT NULL,
    state   TEXT NOT NULL,                      -- not_scanned (until read) | scanned | failed
    reason  TEXT,
    PRIMARY KEY (item_id, url)
);

-- Items first seen from this run on are new: each one's page is read and scanned. Older
-- items are scanned on demand (`gkwatch scan --since DATE`).
INSERT INTO meta (key, value)
SELECT 'content_scan_first_run', CAST(COALESCE(MAX(id), 0) + 1 AS TEXT) FROM crawl_runs;
