import { execFileSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { ROOT } from "./harness";

/** Debian's chromium (`apt-get install chromium`); CHROMIUM_PATH overrides. Never a downloaded browser. */
export function chromiumPath(): string {
	if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
	try {
		return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim();
	} catch {
		throw new Error(
			"The dashboard's browser tests drive Debian's chromium: install it with `apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH).",
		);
	}
}

export function launchChromium(): Promise<Browser> {
	return chromium.launch({
		executablePath: chromiumPath(),
		headless: true,
		// Root in a container cannot use chromium's own sandbox.
		args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
	});
}

export const SCREENSHOTS = join(ROOT, "docs", "screenshots");

/** A screenshot of what the page shows now, for the README (docs/screenshots/<name>.png). */
export async function screenshot(page: Page, name: string): Promise<void> {
	await mkdir(SCREENSHOTS, { recursive: true });
	await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
