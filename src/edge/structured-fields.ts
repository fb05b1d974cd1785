/**
 * The part of RFC 8941 (Structured Field Values) that `Cloudflare-Workers-Version-Overrides` needs: a
 * Dictionary whose members are bare items. Parameters are accepted and ignored; inner lists make the
 * member unusable. Any syntax error fails the whole field, as the RFC requires (returns null).
 */
export type BareItem = string | number | boolean | Uint8Array | { token: string };

const KEY = /^[a-z*][a-z0-9_\-.*]*/;
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/;
const NUMBER = /^-?\d{1,15}(\.\d{1,3})?/;
const BYTES = /^:([A-Za-z0-9+/=]*):/;

class Cursor {
	constructor(
		private text: string,
		public pos = 0,
	) {}
	get rest() {
		return this.text.slice(this.pos);
	}
	peek() {
		return this.text[this.pos];
	}
	eat(re: RegExp): RegExpMatchArray | null {
		const m = this.rest.match(re);
		if (m) this.pos += m[0].length;
		return m;
	}
	skip(chars: string) {
		while (this.pos < this.text.length && chars.includes(this.text[this.pos] ?? "")) this.pos++;
	}
	get done() {
		return this.pos >= this.text.length;
	}
}

function bareItem(c: Cursor): BareItem | null {
	const ch = c.peek();
	if (ch === '"') {
		c.pos++;
		let out = "";
		for (;;) {
			const next = c.peek();
			if (next === undefined) return null;
			c.pos++;
			if (next === '"') return out;
			if (next === "\\") {
				const escaped = c.peek();
				if (escaped !== '"' && escaped !== "\\") return null;
				out += escaped;
				c.pos++;
			} else if (next < " " || next > "~") {
				return null;
			} else {
				out += next;
			}
		}
	}
	if (ch === "?") {
		const m = c.eat(/^\?[01]/);
		return m ? m[0] === "?1" : null;
	}
	if (ch === ":") {
		const m = c.eat(BYTES);
		if (!m) return null;
		try {
			return Uint8Array.from(atob(m[1] ?? ""), (x) => x.charCodeAt(0));
		} catch {
			return null;
		}
	}
	const num = c.eat(NUMBER);
	if (num) return Number(num[0]);
	const token = c.eat(TOKEN);
	return token ? { token: token[0] } : null;
}

function parameters(c: Cursor): boolean {
	while (c.peek() === ";") {
		c.pos++;
		c.skip(" ");
		if (!c.eat(KEY)) return false;
		if (c.peek() === "=") {
			c.pos++;
			if (bareItem(c) === null) return false;
		}
	}
	return true;
}

export function parseDictionary(field: string): Map<string, BareItem> | null {
	const c = new Cursor(field.trim());
	const out = new Map<string, BareItem>();
	if (c.done) return out;
	for (;;) {
		const key = c.eat(KEY)?.[0];
		if (!key) return null;
		let value: BareItem = true;
		if (c.peek() === "=") {
			c.pos++;
			if (c.peek() === "(") return null;
			const item = bareItem(c);
			if (item === null) return null;
			value = item;
		}
		if (!parameters(c)) return null;
		out.delete(key);
		out.set(key, value);
		c.skip(" \t");
		if (c.done) return out;
		if (c.peek() !== ",") return null;
		c.pos++;
		c.skip(" \t");
		if (c.done) return null;
	}
}
