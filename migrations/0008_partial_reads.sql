-- A column read in part: how many pages the list says it has, the page its crawl broke off
-- at, and (on the column) how many runs in a row read it in part.
ALTER TABLE column_crawls ADD COLUMN pages_expected INTEGER;
ALTER TABLE column_crawls ADD COLUMN failed_page INTEGER;
ALTER TABLE column_crawls ADD COLUMN failed_url TEXT;
ALTER TABLE columns ADD COLUMN partial_runs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE columns ADD COLUMN partial_page INTEGER;
-- The most list pages a crawl of the column has read: how long it is, for the order a crawl
-- reads columns in (the hosts with the most pages left first).
ALTER TABLE columns ADD COLUMN longest_read INTEGER NOT NULL DEFAULT 0;
