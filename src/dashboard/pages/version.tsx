import { Hono } from "hono";
import { isSecretBinding, withoutSecretMaterial } from "../../core/bindings";
import { isText, MODULE_KINDS } from "../../core/module-types";
import { ApiError } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { requireVersion } from "../../services/lookups";
import { getModule } from "../../storage/modules";
import { Time, TriggerBadge, versionLabel, versionPath, workerPath } from "../components";
import { readWorker } from "./worker";

/** Larger sources are shown as far as this and then linked to the API for the rest. */
const MAX_SOURCE_BYTES = 512 * 1024;

const modulePath = (worker: string, version: string, module: string) =>
	`${versionPath(worker, version)}/modules/${module.split("/").map(encodeURIComponent).join("/")}`;

export const versionPages = new Hono<AppEnv>()
	.get("/workers/:name/versions/:id", readWorker, async (c) => {
		const { name, id } = c.req.param();
		const version = await requireVersion(c.env.DB, name, id);
		const plain = version.bindings.filter((b) => !isSecretBinding(b)).map(withoutSecretMaterial);
		const secrets = version.bindings.filter(isSecretBinding);
		return c.render(
			<section>
				<p>
					<a href={workerPath(name)}>← {name}</a>
				</p>
				<h1>
					{name} {versionLabel(version)}
				</h1>
				<dl class="facts">
					<dt>Id</dt>
					<dd>
						<code>{version.id}</code>
					</dd>
					<dt>Created</dt>
					<dd>
						<Time at={version.created_on} /> by {version.author.email} through {version.source}{" "}
						<TriggerBadge triggered_by={version.triggered_by} />
					</dd>
					<dt>Message</dt>
					<dd>{version.message ?? "—"}</dd>
					<dt>Tag</dt>
					<dd>{version.tag ?? "—"}</dd>
				</dl>
				<h2>Modules</h2>
				<table>
					<thead>
						<tr>
							<th scope="col">Module</th>
							<th scope="col">Type</th>
							<th scope="col">Size</th>
						</tr>
					</thead>
					<tbody>
						{version.modules.map((m) => (
							<tr>
								<td>
									<a href={modulePath(name, version.id, m.name)}>{m.name}</a>
									{m.name === version.main_module && <span class="badge info"> main</span>}
								</td>
								<td>{m.content_type}</td>
								<td>{m.size} bytes</td>
							</tr>
						))}
					</tbody>
				</table>
				<h2>Bindings</h2>
				{plain.length === 0 ? (
					<p class="muted">No bindings besides secrets.</p>
				) : (
					<table>
						<thead>
							<tr>
								<th scope="col">Name</th>
								<th scope="col">Type</th>
								<th scope="col">Settings</th>
							</tr>
						</thead>
						<tbody>
							{plain.map((b) => {
								const { name: bindingName, type, ...rest } = b;
								return (
									<tr>
										<td>
											<code>{bindingName}</code>
										</td>
										<td>{type}</td>
										<td>
											<code>{JSON.stringify(rest)}</code>
										</td>
									</tr>
								);
							})}
						</tbody>
					</table>
				)}
				<h2>Secrets</h2>
				{secrets.length === 0 ? (
					<p class="muted">No secrets.</p>
				) : (
					<ul aria-label="Secret names (values are never shown)">
						{secrets.map((s) => (
							<li>
								<code>{s.name}</code> <span class="muted">({s.type}; value hidden)</span>
							</li>
						))}
					</ul>
				)}
				<h2>Settings</h2>
				<dl class="facts">
					<dt>Compatibility date</dt>
					<dd>{version.compatibility_date ?? "—"}</dd>
					<dt>Compatibility flags</dt>
					<dd>{version.compatibility_flags.length > 0 ? version.compatibility_flags.join(", ") : "—"}</dd>
					<dt>Usage model</dt>
					<dd>{version.usage_model}</dd>
					<dt>Durable Object migration tag</dt>
					<dd>{version.migration_tag ?? "—"}</dd>
				</dl>
			</section>,
			{ title: `${name} ${versionLabel(version)}` },
		);
	})
	.get("/workers/:name/versions/:id/modules/:module{.+}", readWorker, async (c) => {
		const { name, id, module } = c.req.param();
		const version = await requireVersion(c.env.DB, name, id);
		const entry = version.modules.find((m) => m.name === module);
		if (!entry) throw new ApiError("not_found", `Version ${id} has no module ${module}.`);
		let source: string | null = null;
		if (isText(MODULE_KINDS[entry.content_type])) {
			const body = await getModule(c.env.MODULES, entry.sha256);
			if (!body) throw new Error(`R2 is missing module ${entry.sha256} of version ${id}`);
			source = new TextDecoder().decode((await body.bytes()).slice(0, MAX_SOURCE_BYTES));
		}
		return c.render(
			<section>
				<p>
					<a href={versionPath(name, id)}>
						← {name} {versionLabel(version)}
					</a>
				</p>
				<h1>
					<code>{module}</code>
				</h1>
				<p class="muted">
					{entry.content_type}, {entry.size} bytes, SHA-256 <code>{entry.sha256}</code>
				</p>
				{source === null ? (
					<p class="panel">This module is binary; its source cannot be shown.</p>
				) : (
					<section aria-label={`Source of ${module}`}>
						<pre tabindex={0}>
							<code>{source}</code>
						</pre>
					</section>
				)}
				{entry.size > MAX_SOURCE_BYTES && (
					<p class="panel warning">
						Only the first {MAX_SOURCE_BYTES} bytes are shown; the API serves the whole module.
					</p>
				)}
			</section>,
			{ title: module },
		);
	});
