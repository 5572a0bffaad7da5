-- Items pinned to the top of their list (置顶): they say nothing about freshness.
ALTER TABLE items ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
