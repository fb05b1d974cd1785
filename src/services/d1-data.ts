import { sha256Hex } from "../core/hash";
import { splitStatements } from "../core/sql-statements";
import { ApiError } from "../errors/api-error";
import { readLimited } from "../http/read-limited";
import type { D1Param, D1ResultWire } from "../runtime/d1/d1-run";
import type { Outcome } from "../runtime/outcome";
import { storeName } from "../runtime/resource-ids";
import { RPC_VALUE_CAP, storageLimits } from "../runtime/storage-limits";
import { settled } from "./resource-data";

/**
 * SQL against a D1 database as the account's owner sends it (`wrangler d1 execute --remote`, `d1 migrations
 * apply --remote`): the database's own store, every call one transaction, so a failing statement leaves the
 * database as it was. wrangler's `d1_migrations` table is an ordinary table of the database.
 */

/** An open import is good for this long between `init` and `ingest`. */
const IMPORT_TTL_MS = 15 * 60_000;

const store = (env: Env, id: string) => env.D1_DATABASES.getByName(storeName("d1", id));

function sqlError(message: string): ApiError {
	return new ApiError("invalid_request", message, { reason: "d1_error" });
}

/** Runs `sql` (one statement or several) atomically; one result per statement, as D1's /query answers. */
export async function d1Query(env: Env, id: string, sql: string, params: D1Param[] = []): Promise<D1ResultWire[]> {
	const statements = splitStatements(sql);
	if (statements.length === 0) throw sqlError("No SQL statements detected.");
	if (params.length > 0 && statements.length > 1) {
		throw sqlError("Parameters can be bound to one statement only; send the statements one by one.");
	}
	const result = (await store(env, id).runBatch(statements.map((text) => ({ sql: text, params })))) as Outcome<
		D1ResultWire[]
	>;
	if (!result.ok && result.error.reason !== "storage_limit") throw sqlError(result.error.message);
	return settled(result);
}

const randomToken = () => {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
};

/** `init`: opens an import and answers where to PUT the file. */
export async function d1ImportInit(
	env: Env,
	id: string,
	etag: string,
	origin: string,
	now: Date,
): Promise<{ upload_url: string; filename: string }> {
	if (!/^[0-9a-f]{32}$/.test(etag)) throw new ApiError("invalid_request", "etag must be the file's MD5, in hex.");
	const token = randomToken();
	await env.DB.prepare("DELETE FROM d1_imports WHERE created_on < ?1")
		.bind(new Date(now.getTime() - IMPORT_TTL_MS).toISOString())
		.run();
	await env.DB.prepare("INSERT INTO d1_imports (token_hash, database_id, etag, created_on) VALUES (?1, ?2, ?3, ?4)")
		.bind(await sha256Hex(token), id, etag, now.toISOString())
		.run();
	return { upload_url: `${origin}/d1-import/${token}`, filename: token };
}

interface ImportRow {
	token_hash: string;
	database_id: string;
	etag: string;
	created_on: string;
	uploaded: number;
}

async function openImport(env: Env, token: string, now: Date): Promise<ImportRow> {
	const row = /^[0-9a-f]{64}$/.test(token)
		? await env.DB.prepare("SELECT * FROM d1_imports WHERE token_hash = ?1")
				.bind(await sha256Hex(token))
				.first<ImportRow>()
		: null;
	if (!row || Date.parse(row.created_on) + IMPORT_TTL_MS < now.getTime()) {
		throw new ApiError("not_found", "No such import, or it expired: start it again.");
	}
	return row;
}

/** The unauthenticated PUT of the file (its token is the credential); answers the MD5 as wrangler checks it. */
export async function d1ImportUpload(env: Env, token: string, request: Request, now: Date): Promise<string> {
	const row = await openImport(env, token, now);
	const limit = Math.min(storageLimits(env).d1DatabaseBytes, RPC_VALUE_CAP);
	const bytes = await readLimited(request, limit, "The SQL file", "Split it into smaller files.");
	const md5 = Array.from(new Uint8Array(await crypto.subtle.digest("MD5", bytes)), (b) =>
		b.toString(16).padStart(2, "0"),
	).join("");
	if (md5 !== row.etag)
		throw new ApiError("invalid_request", "The file's MD5 is not the etag the import was opened with.");
	await env.DATA.put(`d1-imports/${row.token_hash}`, bytes);
	await env.DB.prepare("UPDATE d1_imports SET uploaded = 1 WHERE token_hash = ?1").bind(row.token_hash).run();
	return md5;
}

export interface D1ImportStatus {
	success: true;
	status: "complete";
	at_bookmark: string;
	messages: string[];
	errors: string[];
	result: {
		num_queries: number;
		final_bookmark: string;
		meta: { duration: number; rows_read: number; rows_written: number; size_after: number };
	};
}

/** `ingest`: runs the uploaded file against the database, all statements in one transaction. */
export async function d1ImportIngest(env: Env, id: string, filename: string, now: Date): Promise<D1ImportStatus> {
	const row = await openImport(env, filename, now);
	if (row.database_id !== id || row.uploaded !== 1) {
		throw new ApiError("invalid_request", "That import belongs to another database, or its file was not uploaded.");
	}
	const key = `d1-imports/${row.token_hash}`;
	const file = await env.DATA.get(key);
	if (!file) throw new ApiError("not_found", "The uploaded file is gone: start the import again.");
	try {
		const results = await d1Query(env, id, await file.text());
		const sum = (pick: (r: D1ResultWire) => number) => results.reduce((total, r) => total + pick(r), 0);
		const bookmark = now.toISOString();
		return {
			success: true,
			status: "complete",
			at_bookmark: bookmark,
			messages: [`Executed ${results.length} statements in one transaction.`],
			errors: [],
			result: {
				num_queries: results.length,
				final_bookmark: bookmark,
				meta: {
					duration: sum((r) => r.meta.duration),
					rows_read: sum((r) => r.meta.rows_read),
					rows_written: sum((r) => r.meta.rows_written),
					size_after: results.at(-1)?.meta.size_after ?? 0,
				},
			},
		};
	} finally {
		await env.DATA.delete(key);
		await env.DB.prepare("DELETE FROM d1_imports WHERE token_hash = ?1").bind(row.token_hash).run();
	}
}
