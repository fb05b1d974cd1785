import type { Deps } from "./deps/deps";
import { kickSenders } from "./notifications/emit";
import { destroyDeletedClasses } from "./runtime/do/do-destroy";
import { purgeAuditLog } from "./storage/audit-log";
import { purgeHandled } from "./storage/chatops";
import { purgeEvents } from "./storage/events";
import { purgeExpiredSessions } from "./storage/sessions";
import { purgeDeliveries } from "./storage/webhooks";

const DAY_MS = 24 * 60 * 60 * 1000;

const days = (raw: string | undefined, fallback: number) => {
	const n = Number(raw);
	return raw !== undefined && raw.trim() !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
};

/**
 * The cron's upkeep for the audit log and notifications: retention (audit entries, outbox events,
 * finished deliveries, ChatOps' handled requests and expired link codes, expired dashboard sessions) and a
 * wake-up for every webhook sender, in case a kick after a change was lost.
 */
export async function housekeeping(env: Env, deps: Deps) {
	const now = deps.clock.now().getTime();
	const auditBefore = new Date(now - days(env.SHIPLOG_AUDIT_LOG_RETENTION_DAYS, 365) * DAY_MS);
	const webhookBefore = new Date(now - days(env.SHIPLOG_WEBHOOK_RETENTION_DAYS, 30) * DAY_MS);
	const result = {
		audit_log_purged: await purgeAuditLog(env.DB, auditBefore),
		deliveries_purged: await purgeDeliveries(env.DB, webhookBefore),
		events_purged: await purgeEvents(env.DB, webhookBefore),
		durable_object_classes_destroyed: await destroyDeletedClasses(env, deps.clock.now()),
		// Slack retries come within minutes; a confirmation older than this is refused by If-Match anyway.
		chatops_purged: await purgeHandled(env.DB, new Date(now - 7 * DAY_MS)),
		// Sign-in purges them too; without sign-ins they would stay until then.
		dashboard_sessions_purged: await purgeExpiredSessions(env.DB, new Date(now).toISOString()),
	};
	await kickSenders(env);
	return result;
}
