import { z } from "@hono/zod-openapi";

/**
 * Binding shapes accepted in upload metadata: Cloudflare's binding kinds with their identifying fields
 * (see reference/cloudflare-api.md §1.4). Fields beyond those listed are kept as sent.
 */
const name = z
	.string()
	.regex(
		/^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/,
		"a binding name must be a JavaScript identifier of at most 128 characters",
	);
const id = z.string().min(1).max(256);

function kind<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
	return z.looseObject({ name, type: z.literal(type), ...shape });
}

export const BindingSchema = z
	.discriminatedUnion("type", [
		kind("plain_text", {
			text: z.string().max(5120, "an environment variable holds at most 5 KiB"),
		}),
		kind("secret_text", { text: z.string().max(5120).optional() }),
		kind("json", { json: z.unknown() }),
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
