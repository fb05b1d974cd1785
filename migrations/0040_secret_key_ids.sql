-- Which key sealed each secret value (SHIPLOG_SECRETS_KEY and SHIPLOG_SECRETS_KEYS_RETIRED; an id is derived
-- from the key's bytes, see src/secrets/key-ring.ts). NULL: sealed before key ids existed, opened by trying
-- every key. The cron re-seals values whose key is not the current one.
ALTER TABLE secret_values ADD COLUMN key_id TEXT;

CREATE INDEX secret_values_by_key ON secret_values (key_id);
