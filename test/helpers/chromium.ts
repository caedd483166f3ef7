// Debian's Chromium for the browser tests, through playwright-core (no browser download): a headless
// persistent context in a fresh profile, and `close` to end it and remove the profile. Where
// Chromium is absent the browser tests are skipped (`.ci/run` installs it, best effort).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export const hasChromium = (): boolean => existsSync(CHROMIUM);

export const SKIP_NOTE = `(skipped: no Chromium at ${CHROMIUM}; install Debian's chromium package to run the browser tests)`;

/** A headless Chromium without network chatter, in a profile of its own. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "tsmc-chromium-"));
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ];
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
