-- Idempotency keys: the result of the first successful request with a key, written in the same D1 batch as
-- the change it made, so a crash between the two cannot let a retry make a second change.
CREATE TABLE idempotency_keys (
  worker TEXT NOT NULL,
  key TEXT NOT NULL,
  -- SHA-256 of what the request asked for; the same key with a different request is refused.
  fingerprint TEXT NOT NULL,
  -- JSON of the operation's result, replayed to retries.
  result TEXT NOT NULL,
  created_on TEXT NOT NULL,
  PRIMARY KEY (worker, key)
);

CREATE INDEX idempotency_keys_created_on ON idempotency_keys (created_on);
