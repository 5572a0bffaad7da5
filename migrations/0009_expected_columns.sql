-- The targets file's word on a department's expected columns (issue 15): whether the office
-- confirmed its configured columns are all it keeps (a missing expected column is then the
-- department's finding), and the expected columns it need not keep (JSON array of keys).
ALTER TABLE departments ADD COLUMN expected_confirmed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE departments ADD COLUMN not_expected TEXT NOT NULL DEFAULT '[]';
