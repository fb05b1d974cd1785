-- Durable Object classes of managed Workers (src/runtime/do): one row per class storage. A migration's
-- new class inserts a row, a rename changes its class_name (the storage, and so the data, stays), a delete
-- marks it deleted (its data is destroyed right after the commit; destroyed_on says when that finished).
-- storage_id names the supervisor object that holds every object of the class as a facet.
CREATE TABLE durable_object_classes (
	storage_id TEXT PRIMARY KEY,
	worker TEXT NOT NULL,
	class_name TEXT NOT NULL,
	created_version TEXT NOT NULL,
	created_on TEXT NOT NULL,
	deleted_version TEXT,
	deleted_on TEXT,
	destroyed_on TEXT
);
-- At most one live class of a name per Worker.
CREATE UNIQUE INDEX durable_object_classes_live ON durable_object_classes (worker, class_name) WHERE deleted_on IS NULL;
-- Deleted classes whose data is still to be destroyed (housekeeping goes on with them).
CREATE INDEX durable_object_classes_undestroyed ON durable_object_classes (deleted_on) WHERE deleted_on IS NOT NULL AND destroyed_on IS NULL;
