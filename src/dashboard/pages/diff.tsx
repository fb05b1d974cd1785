import { Hono } from "hono";
import { withoutSecretMaterial } from "../../core/bindings";
import type { Version } from "../../core/model";
import { ApiError } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { diffWorker } from "../../services/diff-service";
import { requireWorker } from "../../services/lookups";
import { listVersions } from "../../storage/versions";
import { workerPath } from "../components";
import { SplitDiff, UnifiedDiff } from "../diff-view";
import { readWorker } from "./worker";

const ID = /^[A-Za-z0-9-]{1,64}$/;

function Picker(props: { worker: string; versions: Version[]; from: string; to: string; view: string }) {
	const options = (selected: string) =>
		props.versions.map((v) => (
			<option value={v.id} selected={v.id === selected}>
				v{v.number}
				{v.message ? ` — ${v.message.slice(0, 60)}` : ""}
			</option>
		));
	return (
		<form method="get" action={`${workerPath(props.worker)}/diff`} class="inline-form">
			<div>
				<label for="from">From</label>
				<select id="from" name="from">
					{options(props.from)}
				</select>
			</div>
			<div>
				<label for="to">To</label>
				<select id="to" name="to">
					{options(props.to)}
				</select>
			</div>
			<div>
				<label for="view">View</label>
				<select id="view" name="view">
					<option value="unified" selected={props.view !== "split"}>
						Unified
					</option>
					<option value="split" selected={props.view === "split"}>
						Side by side
					</option>
				</select>
			</div>
			<button type="submit">Compare</button>
		</form>
	);
}

export const diffPage = new Hono<AppEnv>().get("/workers/:name/diff", readWorker, async (c) => {
	const name = c.req.param("name");
	await requireWorker(c.env.DB, name);
	const versions = (await listVersions(c.env.DB, name, 50)).items;
	const view = c.req.query("view") === "split" ? "split" : "unified";
	const from = c.req.query("from") ?? versions[1]?.id ?? versions[0]?.id ?? "";
	const to = c.req.query("to") ?? versions[0]?.id ?? "";
	if (!ID.test(from) || !ID.test(to)) throw new ApiError("invalid_request", "Pick two versions to compare.");
	const diff = await diffWorker(c.env, name, from, to, withoutSecretMaterial);
	const Body = view === "split" ? SplitDiff : UnifiedDiff;
	const title = `${name}: v${diff.from.version_number} → v${diff.to.version_number}`;
	return c.render(
		<section>
			<p>
				<a href={workerPath(name)}>← {name}</a>
			</p>
			<h1>{title}</h1>
			<Picker worker={name} versions={versions} from={diff.from.version_id} to={diff.to.version_id} view={view} />
			{diff.identical && <p class="panel notice">These versions are identical.</p>}
			{diff.modules.length > 0 && <h2>Modules</h2>}
			{diff.modules.map((m) => (
				<section aria-label={`Module ${m.name}`}>
					<h3>
						<code>{m.name}</code> <span class="badge info">{m.status}</span>
					</h3>
					{m.diff ? (
						<div class="table-wrap">
							<Body text={m.diff} label={`Changes to ${m.name}`} />
						</div>
					) : (
						<p class="muted">
							{m.diff_omitted === "binary"
								? "Binary module: no line diff."
								: m.diff_omitted === "too_large"
									? "Too large to diff here."
									: ""}
						</p>
					)}
				</section>
			))}
			{diff.bindings.length > 0 && (
				<section>
					<h2>Bindings</h2>
					<table>
						<thead>
							<tr>
								<th scope="col">Binding</th>
								<th scope="col">Change</th>
								<th scope="col">Before</th>
								<th scope="col">After</th>
							</tr>
						</thead>
						<tbody>
							{diff.bindings.map((b) => (
								<tr>
									<td>
										<code>{b.name}</code>
									</td>
									<td>{b.status}</td>
									<td>
										<code>{b.from ? JSON.stringify(b.from) : "—"}</code>
									</td>
									<td>
										<code>{b.to ? JSON.stringify(b.to) : "—"}</code>
									</td>
								</tr>
							))}
						</tbody>
					</table>
				</section>
			)}
			<h2>Settings</h2>
			<ul>
				{diff.main_module && (
					<li>
						Main module: {diff.main_module.from} → {diff.main_module.to}
					</li>
				)}
				{diff.compatibility_date && (
					<li>
						Compatibility date: {diff.compatibility_date.from ?? "none"} → {diff.compatibility_date.to ?? "none"}
					</li>
				)}
				{diff.compatibility_flags && (
					<li>
						Compatibility flags: added {diff.compatibility_flags.added.join(", ") || "none"}, removed{" "}
						{diff.compatibility_flags.removed.join(", ") || "none"}
					</li>
				)}
				{diff.usage_model && (
					<li>
						Usage model: {diff.usage_model.from} → {diff.usage_model.to}
					</li>
				)}
				{diff.migration_tag && (
					<li>
						Durable Object migration tag: {diff.migration_tag.from ?? "none"} → {diff.migration_tag.to ?? "none"}
					</li>
				)}
				{!diff.main_module &&
					!diff.compatibility_date &&
					!diff.compatibility_flags &&
					!diff.usage_model &&
					!diff.migration_tag && <li>No settings changed.</li>}
			</ul>
		</section>,
		{ title },
	);
});
