/**
 * Checks in the real app, under its real CSP, that the Argon2 worker (and the WASM it loads)
 * is fetched only once the person uses the PIN field: a first visit, onboarding (which sets a
 * PIN), a reload onto the locked screen (whose PIN field has focus already), a tap on the PIN
 * field (the worker starts: Vault.prepareUnlock), then the PIN. Records every request the page and its workers
 * make, the workers it starts, and what the service worker fetches on its own.
 */
import type { Browser, Request } from 'playwright-core';
import type { E2eBrowserHelpers } from './e2e-helpers';

const PHASES = ['first load', 'onboarding', 'locked screen', 'PIN field tapped', 'PIN submitted'] as const;
type Phase = (typeof PHASES)[number];

export interface PhaseFigures {
  phase: Phase;
  /** Pathnames of the JS the page and its workers requested (served by network, HTTP cache or service worker). */
  scripts: string[];
  workerRequested: boolean;
  /** Pathnames of the Argon2 .wasm files requested (by the worker). */
  wasm: string[];
  workerStarted: boolean;
}

export interface LazyLoadFigures {
  phases: PhaseFigures[];
  /** PIN submit → the unlocked vault on screen, through the app's UI, the page settled after the tap (unlock-latency.ts measures the real pace). */
  unlockInAppMs: number;
  /** How the worker chunk was served after the PIN: from the service worker's precache or not. */
  workerFromServiceWorker: boolean | undefined;
  /** The service worker downloaded the worker chunk on its own (precache at install). */
  precachedByServiceWorker: boolean;
  /** Console errors and CSP violations the page reported. */
  problems: string[];
}

const isWorkerChunk = (url: string) => /\/argon2\.worker-[^/]*\.js/.test(url);
const isArgon2Wasm = (url: URL) => /\/argon2[^/]*\.wasm$/.test(url.pathname);
/** Long enough for idle callbacks, lazy imports and the service worker's install after the page settles. */
const SETTLE_MS = 1500;

export async function checkLazyLoading(helpers: E2eBrowserHelpers, browser: Browser, origin: string, pin: string): Promise<LazyLoadFigures> {
  const { context, page, problems } = await helpers.openPhone(browser, origin);
  try {
    await helpers.addVirtualAuthenticator(page, { prf: true });
    let phase: Phase = 'first load';
    const requests: Array<{ phase: Phase; request: Request }> = [];
    const workers: Array<{ phase: Phase; url: string }> = [];
    let precachedByServiceWorker = false;
    page.on('request', (request) => requests.push({ phase, request }));
    page.on('worker', (worker) => workers.push({ phase, url: worker.url() }));
    context.on('request', (request) => {
      if (request.serviceWorker() && isWorkerChunk(request.url())) precachedByServiceWorker = true;
    });
    const hook = (name: string) => page.locator(`[data-test="${name}"]`);
    const settle = () => page.waitForTimeout(SETTLE_MS);

    await page.goto('/');
    await hook('username').waitFor();
    await settle();

    phase = 'onboarding';
    await hook('username').fill('benchclient');
    await hook('create-passkey').click();
    await hook('pin-confirm').waitFor();
    await hook('pin').fill(pin);
    await hook('pin-confirm').fill(pin);
    await hook('save-pin').click();
    await hook('new-login').waitFor({ timeout: 30_000 });

    phase = 'locked screen';
    await hook('lock').click();
    await hook('unlock').waitFor();
    await page.reload();
    await hook('unlock').waitFor();
    await settle();

    phase = 'PIN field tapped';
    await hook('pin').click();
    await settle();

    phase = 'PIN submitted';
    await hook('pin').fill(pin);
    const submitted = performance.now();
    await hook('unlock').click();
    await hook('new-login').waitFor({ timeout: 30_000 });
    const unlockInAppMs = performance.now() - submitted;

    const phases = PHASES.map((p): PhaseFigures => {
      const urls = requests.filter((r) => r.phase === p).map((r) => new URL(r.request.url()));
      return {
        phase: p,
        scripts: [...new Set(urls.filter((u) => u.pathname.endsWith('.js')).map((u) => u.pathname))],
        workerRequested: urls.some((u) => isWorkerChunk(u.href)),
        wasm: [...new Set(urls.filter(isArgon2Wasm).map((u) => u.pathname))],
        workerStarted: workers.some((w) => w.phase === p && isWorkerChunk(w.url)),
      };
    });
    const afterPin = requests.find((r) => (r.phase === 'PIN field tapped' || r.phase === 'PIN submitted') && isWorkerChunk(r.request.url()));
    const response = await afterPin?.request.response();
    return { phases, unlockInAppMs, workerFromServiceWorker: response?.fromServiceWorker(), precachedByServiceWorker, problems: [...problems] };
  } finally {
    await context.close();
  }
}
