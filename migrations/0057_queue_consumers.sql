-- The consumer of each queue of managed Workers (src/runtime/queue): one Worker per queue, as on Cloudflare,
-- keyed by the queue's resource id (its name). Settings as wrangler sends them (`queues consumer add`, deploy).
CREATE TABLE queue_consumers (
	queue TEXT PRIMARY KEY,
	consumer_id TEXT NOT NULL UNIQUE,
	worker TEXT NOT NULL,
	batch_size INTEGER NOT NULL,
	max_retries INTEGER NOT NULL,
	max_wait_time_ms INTEGER NOT NULL,
	retry_delay INTEGER NOT NULL,
	dead_letter_queue TEXT,
	created_on TEXT NOT NULL
);
CREATE INDEX queue_consumers_by_worker ON queue_consumers (worker);
