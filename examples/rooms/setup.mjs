// Creates rooms' resources on a shiplog (or Cloudflare) account with the real wrangler, writes their ids into
// wrangler.toml, applies the D1 migrations and deploys. Needs CLOUDFLARE_API_BASE_URL (for shiplog),
// CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID in the environment, as any wrangler command does.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const here = new URL(".", import.meta.url).pathname;
// The repository's own wrangler when this runs from a clone of shiplog, else the one on PATH.
const local = new URL("../../node_modules/.bin/wrangler", import.meta.url).pathname;
const wrangler = process.env.WRANGLER ?? (existsSync(local) ? local : "wrangler");

function run(...args) {
	console.log(`$ wrangler ${args.join(" ")}`);
	// The repository's Node 22 (the `node` devDependency) first, as npm scripts have it: wrangler needs it.
	const PATH = `${new URL("../../node_modules/.bin", import.meta.url).pathname}:${process.env.PATH ?? ""}`;
	return execFileSync(wrangler, args, {
		cwd: here,
		encoding: "utf8",
		env: { ...process.env, PATH },
		stdio: ["ignore", "pipe", "inherit"],
	});
}

function json(...args) {
	const output = run(...args);
	return JSON.parse(output.slice(output.search(/[[{]/)));
}

const databases = json("d1", "list", "--json");
if (!databases.some((db) => db.name === "rooms-db")) run("d1", "create", "rooms-db");
const database = json("d1", "list", "--json").find((db) => db.name === "rooms-db");

let namespace = json("kv", "namespace", "list").find((ns) => ns.title === "rooms-cache");
if (!namespace) {
	run("kv", "namespace", "create", "rooms-cache");
	namespace = json("kv", "namespace", "list").find((ns) => ns.title === "rooms-cache");
}

for (const args of [
	["r2", "bucket", "create", "rooms-files"],
	["queues", "create", "rooms-events"],
	["queues", "create", "rooms-dlq"],
]) {
	try {
		run(...args);
	} catch {
		console.log("(already there)");
	}
}

const config = readFileSync(`${here}/wrangler.toml`, "utf8")
	.replace(/database_id = "[^"]*"/, `database_id = "${database.uuid}"`)
	.replace(/^id = "[^"]*"/m, `id = "${namespace.id}"`);
writeFileSync(`${here}/wrangler.toml`, config);

run("d1", "migrations", "apply", "rooms-db", "--remote");
console.log(run("deploy", "--message", "rooms, set up by setup.mjs"));
