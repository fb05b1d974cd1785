import { Hono } from "hono";
import { WORKER_NAME } from "../../core/model";
import { ApiError } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { readableWorkers } from "../../services/readable-workers";
import { Split, Time, TriggerBadge, workerPath } from "../components";
import { HealthBadge, summarise, type WorkerSummary } from "../worker-summary";

const PAGE = 50;

function WorkersTable(props: { rows: WorkerSummary[] }) {
	return (
		<div class="table-wrap">
			<table>
				<caption class="muted">Each Worker with its active deployment</caption>
				<thead>
					<tr>
						<th scope="col">Worker</th>
						<th scope="col">Serving</th>
						<th scope="col">Deployed</th>
						<th scope="col" class="hide-small">
							Message
						</th>
						<th scope="col">Health</th>
					</tr>
				</thead>
				<tbody>
					{props.rows.map(({ worker, active, numbers, health }) => (
						<tr>
							<th scope="row">
								<a href={workerPath(worker.name)}>{worker.name}</a>
							</th>
							<td>{active ? <Split worker={worker.name} deployment={active} numbers={numbers} /> : "not deployed"}</td>
							<td>
								{active && (
									<span>
										<TriggerBadge triggered_by={active.triggered_by} /> by {active.author.email},{" "}
										<Time at={active.created_on} />
									</span>
								)}
							</td>
							<td class="hide-small">{active?.message ?? ""}</td>
							<td>{active ? <HealthBadge health={health} /> : ""}</td>
						</tr>
					))}
				</tbody>
			</table>
		</div>
	);
}

export const workersPage = new Hono<AppEnv>().get("/", async (c) => {
	const q = (c.req.query("q") ?? "").trim().toLowerCase();
	const after = c.req.query("after");
	if (q.length > 63 || (after !== undefined && !WORKER_NAME.test(after))) {
		throw new ApiError("invalid_request", "Search for at most 63 characters of a Worker's name.");
	}
	const { page, next_after } = await readableWorkers(
		c.env.DB,
		c.var.principal.grants,
		PAGE,
		after,
		(name) => q === "" || name.includes(q),
	);
	const rows = await Promise.all(page.map((w) => summarise(c.env, w)));
	const more = next_after ? `/dashboard?${new URLSearchParams({ ...(q ? { q } : {}), after: next_after })}` : null;
	return c.render(
		<section>
			<h1>Workers</h1>
			<search>
				<form method="get" action="/dashboard" class="inline-form">
					<div>
						<label for="q">Search Workers by name</label>
						<input type="search" id="q" name="q" value={q} maxlength={63} />
					</div>
					<button type="submit">Search</button>
				</form>
			</search>
			{rows.length === 0 ? (
				<p class="panel">{q ? `No Worker you may read has "${q}" in its name.` : "No Workers you may read yet."}</p>
			) : (
				<WorkersTable rows={rows} />
			)}
			{more && (
				<nav class="pager" aria-label="Pages">
					<a href={more}>Next page</a>
				</nav>
			)}
		</section>,
		{ title: "Workers" },
	);
});
