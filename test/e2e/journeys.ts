import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, startLiveServer, withPhones, type LiveServer, type OpenedPhone } from './browser';

/** The key server and the Chromium the journeys of one file (or describe block) share. */
export interface JourneyRig {
  readonly server: LiveServer;
  readonly browser: Browser;
}

/**
 * Starts the key server (with `env`) and Chromium (with `chromiumArgs`) before the first journey
 * of the file or describe block this is called in, and closes both after its last. Journeys stay
 * independent of each other: each opens its own phones, browser contexts with their own storage
 * and passkeys. Read `server` and `browser` inside tests and hooks, once they are started.
 */
export function startJourneyRig({ env = {}, chromiumArgs = [] }: { env?: Record<string, string>; chromiumArgs?: readonly string[] } = {}): JourneyRig {
  let server: LiveServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await startLiveServer(env);
    browser = await launchChromium({ extraArgs: chromiumArgs });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  const started = <T>(part: T | undefined, name: string): T => {
    if (part === undefined) throw new Error(`the ${name} starts in beforeAll: use it in a test or a hook`);
    return part;
  };
  return {
    get server() {
      return started(server, 'key server');
    },
    get browser() {
      return started(browser, 'browser');
    },
  };
}

/** `test` with a `phone` fixture: it opens as many phones as the journey needs (browser.ts `withPhones`), all closed after it. */
export function testWithPhones(rig: JourneyRig) {
  return test.extend<{ phone: () => Promise<OpenedPhone> }>({
    phone: async ({}, use) => withPhones(rig.browser, rig.server.origin, use),
  });
}

/** Where `screenshot` writes, for a person to look at the screens the journeys went through. */
export const SHOTS_DIR = '/tmp/kh-shots';

/**
 * Saves `page` as SHOTS_DIR/`name`.png when the run asks for it (KEYHOLD_SHOTS=1), and otherwise
 * does nothing: a full-page capture at the phone's pixel ratio costs one to three seconds of CPU and
 * proves nothing a journey asserts. `fullPage: false` takes the viewport only (a modal dialog).
 */
export async function screenshot(page: Page, name: string, { fullPage = true }: { fullPage?: boolean } = {}): Promise<void> {
  if (process.env.KEYHOLD_SHOTS !== '1') return;
  mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: `${SHOTS_DIR}/${name}.png`, fullPage });
}
