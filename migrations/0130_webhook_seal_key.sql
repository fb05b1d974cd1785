-- Which key sealed each webhook's target (as secret_values.key_id does for secret values), so the cron can re-seal
-- targets after a key rotation before the old key is removed. NULL: sealed before this column existed; such a
-- target is opened by whichever configured key opens it, and the cron re-seals it too.
ALTER TABLE webhooks ADD COLUMN sealed_key_id TEXT;
