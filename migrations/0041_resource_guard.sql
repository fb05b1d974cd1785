-- A second compare-and-set for write batches (like write_guard): a batch that makes a version or deployment
-- serving resources inserts here a value that is NULL, and so aborts the whole batch, when one of those
-- resources was deleted after the change was planned. Empty between batches.
CREATE TABLE resource_guard (ok INTEGER NOT NULL);
