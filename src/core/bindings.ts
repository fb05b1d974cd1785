import { z } from "@hono/zod-openapi";
import { jsonBytes, jsonDepthProblem } from "./json-bounds";

/** Cloudflare's limit for an environment variable, which a JSON binding is. */
export const JSON_BINDING_MAX_BYTES = 5 * 1024;

/** A binding's name is how code reaches it (`env.NAME`): a JavaScript identifier. Secrets follow the same rule. */
export const BINDING_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/;

const name = z.string().regex(BINDING_NAME, "a binding name must be a JavaScript identifier of at most 128 characters");

/** The one rule for secret names, whichever API sets them. */
export const SecretNameSchema = z
	.string()
	.regex(BINDING_NAME, "a secret name must be a JavaScript identifier of at most 128 characters");
const id = z.string().min(1).max(256);

function kind<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
	return z.looseObject({ name, type: z.literal(type), ...shape });
}

/**
 * Binding shapes accepted in upload metadata: Cloudflare's binding kinds with their identifying fields
 * (see reference/cloudflare-api.md §1.4). Fields beyond those listed are kept as sent.
 */
export const BindingSchema = z
	.discriminatedUnion("type", [
		kind("plain_text", {
			text: z.string().max(5120, "an environment variable holds at most 5 KiB"),
		}),
		kind("secret_text", { text: z.string().max(5120).optional() }),
		kind("json", {
			json: z.unknown().superRefine((value, ctx) => {
				const deep = jsonDepthProblem(value);
				if (deep) ctx.addIssue({ code: "custom", message: `this value ${deep.message}` });
				else if (jsonBytes(value) > JSON_BINDING_MAX_BYTES) {
					ctx.addIssue({ code: "custom", message: "a JSON variable holds at most 5 KiB" });
				}
			}),
		}),
		kind("kv_namespace", { namespace_id: id }),
		kind("r2_bucket", {
			bucket_name: id,
			jurisdiction: z.enum(["eu", "fedramp", "fedramp-high"]).optional(),
		}),
		kind("d1", { database_id: id.optional(), id: id.optional() }).refine(
			(b) => b.database_id !== undefined || b.id !== undefined,
			"a d1 binding needs database_id",
		),
		kind("queue", { queue_name: id }),
		kind("durable_object_namespace", {
			class_name: id.optional(),
			script_name: id.optional(),
			environment: id.optional(),
			namespace_id: id.optional(),
		}),
		kind("service", {
			service: id,
			environment: id.optional(),
			entrypoint: id.optional(),
		}),
		kind("dispatch_namespace", { namespace: id }),
		kind("analytics_engine", { dataset: id }),
		kind("hyperdrive", { id }),
		kind("vectorize", { index_name: id }),
		kind("mtls_certificate", { certificate_id: id }),
		kind("secrets_store_secret", { store_id: id, secret_name: id }),
		kind("secret_key", {
			algorithm: z.unknown(),
			format: z.enum(["raw", "pkcs8", "spki", "jwk"]),
		}),
		kind("workflow", { workflow_name: id }),
		kind("ratelimit", { namespace_id: id }),
		kind("send_email", {}),
		kind("pipelines", { pipeline: id }),
		kind("version_metadata", {}),
		kind("ai", {}),
		kind("assets", {}),
		kind("browser", {}),
		kind("images", {}),
		kind("media", {}),
		kind("worker_loader", {}),
		kind("inherit", { old_name: name.optional(), version_id: id.optional() }),
	])
	.openapi("Binding", {
		description: "A binding, in Cloudflare's upload format. Secret values are write-only.",
		example: { name: "GREETING", type: "plain_text", text: "hello" },
	});

export type Binding = z.infer<typeof BindingSchema>;
export type BindingType = Binding["type"];

/** The resources a binding points at that can be deleted from under a Worker. */
export type ResourceType = "kv_namespace" | "r2_bucket" | "queue" | "d1";

export const SECRET_BINDING_TYPES: ReadonlySet<BindingType> = new Set<BindingType>(["secret_text", "secret_key"]);

/** Secrets hold values that never leave shiplog; settings cannot touch them, responses never show them. */
export const isSecretBinding = (b: Binding | null | undefined): boolean =>
	b !== null && b !== undefined && SECRET_BINDING_TYPES.has(b.type);

/** A binding as it may be shown: the value of a secret, and where shiplog keeps it, removed. */
export function withoutSecretMaterial(binding: Binding): Binding {
	if (binding.type === "secret_text") {
		const { text: _text, secret_ref: _ref, ...rest } = binding as Binding & { secret_ref?: unknown };
		return rest as Binding;
	}
	if (binding.type === "secret_key") {
		const {
			key_base64: _k,
			key_jwk: _j,
			secret_ref: _r,
			...rest
		} = binding as Binding & {
			key_base64?: unknown;
			key_jwk?: unknown;
			secret_ref?: unknown;
		};
		return rest as Binding;
	}
	return binding;
}

export function boundResource(binding: Binding): { type: ResourceType; id: string } | undefined {
	switch (binding.type) {
		case "kv_namespace":
			return { type: "kv_namespace", id: binding.namespace_id };
		case "r2_bucket":
			return { type: "r2_bucket", id: binding.bucket_name };
		case "queue":
			return { type: "queue", id: binding.queue_name };
		case "d1":
			return { type: "d1", id: binding.database_id ?? binding.id ?? "" };
		default:
			return undefined;
	}
}

export function boundResources(bindings: Binding[]): { type: ResourceType; id: string }[] {
	return bindings.flatMap((b) => {
		const r = boundResource(b);
		return r ? [r] : [];
	});
}

/** Bindings whose data or behaviour lives outside the version, so a rollback leaves them as they are now. */
const OUTSIDE_STATE: ReadonlySet<BindingType> = new Set<BindingType>([
	"kv_namespace",
	"r2_bucket",
	"d1",
	"queue",
	"durable_object_namespace",
	"service",
	"hyperdrive",
	"vectorize",
	"analytics_engine",
	"workflow",
	"pipelines",
	"dispatch_namespace",
	"secrets_store_secret",
]);

export function bindingsWithOutsideState(bindings: Binding[]): { name: string; type: string }[] {
	return bindings.filter((b) => OUTSIDE_STATE.has(b.type)).map((b) => ({ name: b.name, type: b.type }));
}
