-- ChatOps through Slack (issue 14). A Slack user (team, user) acts as a shiplog principal with scopes,
-- mapped by an admin or linked by the user with a one-time code.
CREATE TABLE chatops_slack_users (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  -- Who the Slack user acts as: recorded as the author of what they change.
  principal TEXT NOT NULL,
  email TEXT NOT NULL,
  -- JSON: ["rollback:checkout-*", "read"]
  scopes TEXT NOT NULL,
  created_on TEXT NOT NULL,
  created_by TEXT NOT NULL,
  -- admin (POST /v1/chatops/slack/users) | link (a one-time code redeemed with /shiplog link)
  via TEXT NOT NULL,
  UNIQUE (team_id, user_id)
);

-- One-time codes a principal creates with its own token and redeems in Slack with `/shiplog link <code>`.
-- Only the SHA-256 of the code is kept; a code works once, before it expires.
CREATE TABLE chatops_link_codes (
  hash TEXT PRIMARY KEY,
  principal TEXT NOT NULL,
  email TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_on TEXT NOT NULL,
  expires_on TEXT NOT NULL,
  used_on TEXT,
  used_by TEXT
);

-- What shiplog has already handled, so that Slack's retries, a replayed request and a second press of
-- the same confirmation never act twice: `trigger:<trigger_id>`, `confirm:<nonce>`.
CREATE TABLE chatops_handled (
  key TEXT PRIMARY KEY,
  handled_on TEXT NOT NULL,
  -- The Slack user and principal that claimed it (shown to whoever presses again).
  handled_by TEXT NOT NULL
);

CREATE INDEX chatops_handled_by_time ON chatops_handled (handled_on);
