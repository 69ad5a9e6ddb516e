/**
 * Debian's headless chromium, driven by its command-line flags (--screenshot, --dump-dom): no DevTools client,
 * nothing downloaded. The flags keep it off the network, which otherwise makes it hang in a closed sandbox.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return CANDIDATES.find((c) => existsSync(c)) ?? null;
}

/** Why the browser tests cannot run, or false. */
export function missingChromium(): string | false {
  return findChromium() ? false : 'chromium is not installed (Debian: apt-get install chromium; or set CHROMIUM_PATH)';
}

/** A test title that says why it is skipped where Chromium is absent. */
export function chromiumTitle(title: string): string {
  const missing = missingChromium();
  return missing ? `${title} — skipped: ${missing}` : title;
}

export interface PageOptions {
  readonly width?: number;
  readonly height?: number;
}

async function chromium(page: string, flags: string[], o: PageOptions): Promise<string> {
  const profile = mkdtempSync(path.join(tmpdir(), 'hipserve-chromium-'));
  try {
    const { stdout } = await run(findChromium()!, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-extensions', '--hide-scrollbars', '--mute-audio',
      `--user-data-dir=${profile}`, `--window-size=${o.width ?? 1280},${o.height ?? 1600}`, '--virtual-time-budget=10000',
      ...flags, pathToFileURL(page).href,
    ], { timeout: 90_000, maxBuffer: 64 * 2 ** 20 });
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The page's DOM after its scripts ran, as HTML. */
export function dumpDom(page: string, o: PageOptions = {}): Promise<string> {
  return chromium(page, ['--dump-dom'], o);
}

export async function screenshot(page: string, png: string, o: PageOptions = {}): Promise<void> {
  await chromium(page, [`--screenshot=${png}`], o);
  if (!existsSync(png)) throw new Error(`chromium wrote no screenshot of ${page}`);
}
