-- Consumers of a queue as wrangler configures them (`wrangler queues consumer add`, `[[queues.consumers]]` on
-- deploy): the Worker that consumes it and its settings. Delivery itself belongs to the runtime.
CREATE TABLE queue_consumers (
  consumer_id TEXT PRIMARY KEY,
  -- The queue's name (resources.id of type 'queue').
  queue TEXT NOT NULL,
  script_name TEXT NOT NULL,
  -- JSON: {batch_size, max_retries, max_wait_time_ms, max_concurrency, retry_delay} as given.
  settings TEXT NOT NULL,
  dead_letter_queue TEXT,
  created_on TEXT NOT NULL,
  UNIQUE (queue, script_name)
);
