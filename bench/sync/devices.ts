/**
 * A device of the sync bench: a Chromium process of its own with an on-disk profile (a
 * persistent context in a temp directory), on a page of the key server's origin that runs no app
 * code (`/api/health`, so no app controller of the page opens the same database), with the bench
 * bundle injected and a Vault built.
 *
 * Not `browser.newContext()`: Playwright's ordinary contexts are off-the-record profiles, whose
 * IndexedDB Chromium keeps in memory, and storing the vault is half of what is measured here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { E2eBrowserHelpers } from '../client/e2e-helpers';
import type { SyncBenchApi } from './in-page';

export interface BenchDevice {
  readonly name: string;
  readonly page: Page;
  /** Calls one of in-page.ts's functions in the page; throws if the page reported errors meanwhile. */
  call<K extends keyof SyncBenchApi>(name: K, ...args: Parameters<SyncBenchApi[K]>): Promise<Awaited<ReturnType<SyncBenchApi[K]>>>;
  /** Closes the browser and removes its profile; safe to call twice. */
  close(): Promise<void>;
}

export interface DeviceOptions {
  name: string;
  origin: string;
  /** The IIFE from page-bundle.ts. */
  bundle: string;
  /** `/assets/argon2.worker-….js` of the dist/ build. */
  workerUrl: string;
  /** Add Chromium's virtual authenticator (device A creates the account's passkey). */
  passkey?: boolean;
}

/** The Chromium version the devices run (launches one briefly). */
export async function chromiumVersion(helpers: E2eBrowserHelpers): Promise<string> {
  const browser = await helpers.launchChromium();
  try {
    return browser.version();
  } finally {
    await browser.close();
  }
}

export async function openBenchDevice(helpers: E2eBrowserHelpers, opts: DeviceOptions): Promise<BenchDevice> {
  const profile = mkdtempSync(join(tmpdir(), 'kh-bench-sync-profile-'));
  let context: BrowserContext;
  try {
    // bypassCSP: the bench injects its bundle and starts the Argon2 worker, which the app's CSP
    // (Trusted Types) would refuse; service workers blocked so no precaching runs alongside.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: helpers.CHROMIUM,
      args: [...helpers.CHROMIUM_FLAGS],
      headless: true,
      baseURL: opts.origin,
      bypassCSP: true,
      serviceWorkers: 'block',
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    if (opts.passkey) await helpers.addVirtualAuthenticator(page, { prf: true });
    await page.goto('/api/health');
    await page.evaluate(opts.bundle);

    async function call<K extends keyof SyncBenchApi>(name: K, ...args: Parameters<SyncBenchApi[K]>): Promise<Awaited<ReturnType<SyncBenchApi[K]>>> {
      // The arrow is serialised into the page, so it names nothing from here.
      const result = await page.evaluate(
        ([fn, fnArgs]) => (globalThis as unknown as { __khSyncBench: Record<string, (...a: unknown[]) => unknown> }).__khSyncBench[fn]!(...fnArgs),
        [name, args] as const,
      );
      if (errors.length) throw new Error(`${opts.name}: the page reported errors: ${errors.join('; ')}`);
      return result as Awaited<ReturnType<SyncBenchApi[K]>>;
    }
    await call('openDevice', opts.workerUrl);
    return {
      name: opts.name,
      page,
      call,
      async close() {
        if (!closed) await call('close').catch(() => {});
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}
