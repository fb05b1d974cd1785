import { Hono } from "hono";
import { findingVisibleTo } from "../../audit/finding-visibility";
import { OUTCOMES } from "../../audit-log/entry";
import { readVisibleAuditLog } from "../../audit-log/read-visible";
import { requireScope } from "../../auth/require-scope";
import { guard } from "../../auth/route-policy";
import { WORKER_NAME } from "../../core/model";
import { ApiError } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { listFindings } from "../../storage/audit-findings";
import { decodeAuditCursor } from "../../storage/audit-log";
import { listRuns } from "../../storage/audit-runs";
import { Time, workerPath } from "../components";

const PAGE = 50;

export const auditPages = new Hono<AppEnv>()
	.get("/audits", guard({ scope: "read", on: "some", action: "finding.list" }), async (c) => {
		const [findings, runs] = await Promise.all([
			listFindings(c.env.DB, { status: "open" }, 100),
			listRuns(c.env.DB, 20),
		]);
		const open = findings.items.filter(findingVisibleTo(c.var.principal.grants));
		return c.render(
			<section>
				<h1>Audits</h1>
				<h2>Open findings</h2>
				{open.length === 0 ? (
					<p class="panel notice">No open findings you may see.</p>
				) : (
					<div class="table-wrap">
						<table>
							<thead>
								<tr>
									<th scope="col">Severity</th>
									<th scope="col">Check</th>
									<th scope="col">Worker</th>
									<th scope="col">Finding</th>
									<th scope="col">Open since</th>
								</tr>
							</thead>
							<tbody>
								{open.map((f) => (
									<tr>
										<td>
											<span
												class={`badge ${f.severity === "critical" ? "bad" : f.severity === "warning" ? "warn" : "info"}`}
											>
												{f.severity}
											</span>
										</td>
										<td>{f.check}</td>
										<td>{f.worker ? <a href={workerPath(f.worker)}>{f.worker}</a> : "account"}</td>
										<td>{f.message}</td>
										<td>
											<Time at={f.opened_on} />
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</div>
				)}
				<h2>Runs</h2>
				{runs.items.length === 0 ? (
					<p class="muted">No audit has run yet (the hourly cron starts one).</p>
				) : (
					<div class="table-wrap">
						<table>
							<thead>
								<tr>
									<th scope="col">#</th>
									<th scope="col">Started</th>
									<th scope="col">Status</th>
									<th scope="col">Workers checked</th>
									<th scope="col">Opened</th>
									<th scope="col">Closed</th>
								</tr>
							</thead>
							<tbody>
								{runs.items.map((r) => (
									<tr>
										<td>{r.number}</td>
										<td>
											<Time at={r.started_on} /> ({r.trigger})
										</td>
										<td>{r.status}</td>
										<td>
											{r.workers_checked} of {r.workers_total}
										</td>
										<td>{r.findings_opened}</td>
										<td>{r.findings_closed}</td>
									</tr>
								))}
							</tbody>
						</table>
					</div>
				)}
			</section>,
			{ title: "Audits" },
		);
	})
	.get("/audit-log", guard({ scope: null, on: "some", action: "audit_log.read" }), async (c) => {
		const q = (name: string, max: number) => {
			const value = (c.req.query(name) ?? "").trim();
			if (value.length > max) throw new ApiError("invalid_request", `${name} may be at most ${max} characters.`);
			return value || undefined;
		};
		const filter = {
			worker: q("worker", 63),
			principal: q("principal", 254),
			action: q("action", 64),
			outcome: q("outcome", 20),
		};
		if (filter.worker && !WORKER_NAME.test(filter.worker))
			throw new ApiError("invalid_request", "worker is not a Worker name.");
		if (filter.outcome && !(OUTCOMES as readonly string[]).includes(filter.outcome)) {
			throw new ApiError("invalid_request", `outcome is one of ${OUTCOMES.join(", ")}.`);
		}
		const grants = c.var.principal.grants;
		if (filter.worker) requireScope(grants, { scope: "read", worker: filter.worker });
		const page = await readVisibleAuditLog(c.env.DB, grants, filter, decodeAuditCursor(q("cursor", 200)), PAGE);
		const next = page.next_cursor
			? `/dashboard/audit-log?${new URLSearchParams({ ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v)), cursor: page.next_cursor })}`
			: null;
		return c.render(
			<section>
				<h1>Audit log</h1>
				<form method="get" action="/dashboard/audit-log" class="inline-form" aria-label="Filter the audit log">
					<div>
						<label for="f-worker">Worker</label>
						<input type="text" id="f-worker" name="worker" value={filter.worker ?? ""} maxlength={63} />
					</div>
					<div>
						<label for="f-principal">Who</label>
						<input type="text" id="f-principal" name="principal" value={filter.principal ?? ""} maxlength={254} />
					</div>
					<div>
						<label for="f-action">Action</label>
						<input
							type="text"
							id="f-action"
							name="action"
							value={filter.action ?? ""}
							maxlength={64}
							placeholder="worker.rollback"
						/>
					</div>
					<div>
						<label for="f-outcome">Outcome</label>
						<select id="f-outcome" name="outcome">
							<option value="">any</option>
							{OUTCOMES.map((o) => (
								<option value={o} selected={o === filter.outcome}>
									{o}
								</option>
							))}
						</select>
					</div>
					<button type="submit">Filter</button>
				</form>
				<div class="table-wrap">
					<table>
						<thead>
							<tr>
								<th scope="col">When</th>
								<th scope="col">Who</th>
								<th scope="col">Action</th>
								<th scope="col">Outcome</th>
								<th scope="col">Worker</th>
								<th scope="col">Details</th>
							</tr>
						</thead>
						<tbody>
							{page.items.map((e) => (
								<tr>
									<td>
										<Time at={e.at} />
									</td>
									<td>
										{e.principal_id ?? "unknown"}{" "}
										<span class="muted">
											({e.principal_kind ?? "anonymous"} via {e.source})
										</span>
									</td>
									<td>
										<code>{e.action}</code>
									</td>
									<td>
										<span
											class={`badge ${e.outcome === "success" ? "ok" : e.outcome === "unchanged" || e.outcome === "replayed" ? "info" : "bad"}`}
										>
											{e.outcome}
										</span>
									</td>
									<td>{e.worker ? <a href={workerPath(e.worker)}>{e.worker}</a> : ""}</td>
									<td>{e.message ?? ""}</td>
								</tr>
							))}
						</tbody>
					</table>
				</div>
				{page.items.length === 0 && <p class="panel">No entries match.</p>}
				{next && (
					<nav class="pager" aria-label="Audit log pages">
						<a href={next}>Older entries</a>
					</nav>
				)}
			</section>,
			{ title: "Audit log" },
		);
	});
