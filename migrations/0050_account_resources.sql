-- Resources become objects of the shiplog account (issue 12), as on Cloudflare: created, listed and deleted
-- through /v1/resources and the Cloudflare-compatible API, bound by any number of Workers.
--
-- name: what a person calls it. A KV namespace's title, a D1 database's name; for R2 buckets and queues it is
--   the id itself (they are bound by name). NULL for a resource first registered by a version's binding,
--   whose name shiplog never heard. Unique among live resources of a type.
-- api_id: how Cloudflare's API paths address it: the namespace id, the database uuid, the bucket name, and for
--   a queue its queue_id (a queue is bound by name but addressed by id).
ALTER TABLE resources ADD COLUMN name TEXT;
ALTER TABLE resources ADD COLUMN api_id TEXT;

UPDATE resources SET api_id = CASE WHEN type = 'queue' THEN lower(hex(randomblob(16))) ELSE id END;
UPDATE resources SET name = id WHERE type IN ('r2_bucket', 'queue');

CREATE UNIQUE INDEX resources_by_api_id ON resources (type, api_id);
CREATE UNIQUE INDEX resources_live_by_name ON resources (type, name) WHERE deleted_on IS NULL;
