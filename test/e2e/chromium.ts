/// <reference types="node" />
/**
 * Debian's Chromium for the browser tests, driven by playwright-core (which never downloads a
 * browser of its own). Missing Chromium is installed with apt-get when running as root, as the
 * benchmark does for nginx; otherwise the error says what to install.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0)
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (sudo apt-get install -y chromium) to run the browser tests.`,
    );
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", "chromium"]]) {
    const run = spawnSync("apt-get", args, { env, stdio: "inherit" });
    if (run.status !== 0)
      throw new Error(
        `apt-get ${args.join(" ")} failed (${run.status ?? run.signal}); Chromium is needed for the browser tests.`,
      );
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing.`);
}

/**
 * Headless Chromium with nothing that phones home (this machine has no internet); playwright
 * gives it a fresh profile.
 */
export function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
