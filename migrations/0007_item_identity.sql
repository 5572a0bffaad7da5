-- An item's identity survives what changes between requests, and its inferred year stays.

-- The publication date's year was not written (`12-31` on a list) but taken from the day of
-- the crawl that first saw the item: a later crawl never moves it to another year, only a date
-- whose year is written replaces it.
ALTER TABLE items ADD COLUMN year_inferred INTEGER NOT NULL DEFAULT 0;

-- Item URLs are now normalised (no session id, no cache-buster: `types::identity_url`).
-- Normalising is Rust code shared with extraction, so the store finishes this migration when
-- it opens the database (`store::identity`): in one transaction it rewrites every stored URL
-- to its normalised form, merges the rows that named one item under several URLs (the
-- earliest seen kept, with its first year and categories; the findings that name a merged
-- URL follow it), and sets this key to 'done'.
INSERT INTO meta (key, value) VALUES ('item_identity', 'pending')
    ON CONFLICT(key) DO UPDATE SET value = 'pending';
