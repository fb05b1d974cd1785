-- Outgoing webhooks (issue 13). `events` is the outbox: a change writes its event in the same D1 batch as
-- the change, numbered by seq in commit order. Each webhook's WebhookSender Durable Object reads the events
-- after its cursor, in order, and delivers those it subscribes to.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  -- Sent as webhook-id: the same for every attempt, so receivers can deduplicate.
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  worker TEXT,
  created_on TEXT NOT NULL,
  -- JSON: the event's data.
  data TEXT NOT NULL
);

CREATE INDEX events_by_time ON events (created_on);

CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  -- standard (Standard Webhooks, signed) | slack (an incoming-webhook URL, Block Kit text, unsigned)
  format TEXT NOT NULL,
  -- The URL with anything secret in it hidden, for display. The real URL is only in `sealed`.
  url_display TEXT NOT NULL,
  -- base64 AES-GCM under SHIPLOG_SECRETS_KEY of {"url","secret"}; sealed_ref is the id in its additional data.
  sealed TEXT NOT NULL,
  sealed_iv TEXT NOT NULL,
  sealed_ref TEXT NOT NULL,
  -- JSON: ["worker.deployed", ...] or ["*"].
  events TEXT NOT NULL,
  -- JSON: Worker patterns ["checkout-*"], or NULL for every Worker (and events about no Worker).
  workers TEXT,
  description TEXT,
  created_on TEXT NOT NULL,
  created_by TEXT NOT NULL,
  deleted_on TEXT,
  -- The seq of the last event this webhook's sender has looked at.
  cursor INTEGER NOT NULL DEFAULT 0
);

-- One message to one webhook: created when the sender first reaches the event, then retried until it is
-- delivered or gives up.
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  webhook_id TEXT NOT NULL,
  event_seq INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  -- pending | delivered | failed
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_on TEXT,
  created_on TEXT NOT NULL,
  finished_on TEXT,
  UNIQUE (webhook_id, event_seq)
);

CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, status, event_seq);

-- Every attempt: when, what came back (the HTTP status, or why there was none), how long it took.
CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at TEXT NOT NULL,
  response_status INTEGER,
  error TEXT,
  duration_ms INTEGER NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
