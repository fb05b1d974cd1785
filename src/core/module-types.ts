/** How a module part's content type maps to the kind of module the runtime loads. */
export const MODULE_KINDS = {
	"application/javascript+module": "js",
	"text/javascript+module": "js",
	"application/javascript": "cjs",
	"text/javascript": "cjs",
	"text/x-python": "py",
	"text/x-python-requirement": "py_requirement",
	"application/wasm": "wasm",
	"text/plain": "text",
	"application/json": "json",
	"application/octet-stream": "data",
	"application/source-map": "source_map",
} as const;

export type ContentType = keyof typeof MODULE_KINDS;
export type ModuleKind = (typeof MODULE_KINDS)[ContentType];

export const CONTENT_TYPES = Object.keys(MODULE_KINDS) as ContentType[];

export function normaliseContentType(raw: string): ContentType | undefined {
	const bare = raw.split(";")[0]?.trim().toLowerCase() ?? "";
	return bare in MODULE_KINDS ? (bare as ContentType) : undefined;
}

/** Text kinds whose source can be shown and diffed. */
export function isText(kind: ModuleKind): boolean {
	return kind !== "wasm" && kind !== "data";
}

const MODULE_NAME = /^[A-Za-z0-9_@][A-Za-z0-9_@.+\-/]{0,255}$/;

/** Names are paths inside the bundle: relative, no `.`/`..` segments, no empty segments. */
export function moduleNameProblem(name: string): string | undefined {
	if (!MODULE_NAME.test(name)) {
		return "a module name is 1-256 characters of letters, digits and _ @ . + - /, starting with a letter, digit, _ or @";
	}
	if (name.split("/").some((segment) => segment === "" || segment === "." || segment === "..")) {
		return "a module name must be a relative path without empty, . or .. segments";
	}
	return undefined;
}
