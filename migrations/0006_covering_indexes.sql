-- Covering indexes for reading a large database whole (the evaluation, the weekly report):
-- each column's newest dates and the items of each category come from an index alone, not
-- from a lookup in the table for every row.
DROP INDEX items_column_published;
CREATE INDEX items_column_published ON items(column_id, published, date_precision, pinned);
DROP INDEX item_categories_category;
CREATE INDEX item_categories_category ON item_categories(category, item_id);
