import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page, type Request as PageRequest } from 'playwright-core';
import { onTestFailed, TestRunner } from 'vitest';
import { buildApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { registerApp } from '../../server/domain/app-registration';
import type { RegisteredApp } from '../../server/domain/apps';
import { createPepper } from '../../server/domain/pepper';
import { silentLogger } from '../../server/http/logger';
import { migrateToLatest, openDatabase } from '../../server/store/database';
import { scratchDir } from '../helpers/scratch-dir';

/** Debian's Chromium; a test tool's own browser download does not work on these machines. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags every journey (and the benches' browsers) launch Chromium with on these machines. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The pepper of every journey's key server: a journey that seals what the server seals (test/e2e/account-log-db.ts) uses it too. */
export const E2E_PEPPER_BYTES: Uint8Array = new Uint8Array(32).fill(3);

export interface LiveServer {
  origin: string;
  /** The key server's SQLite file, for a journey that checks what the server stores (open it read-only). */
  databaseFile: string;
  /**
   * Resolves with the status of the next answer of the key server that `matches` (the request and
   * the status it got), whoever sent the request — a page, or a service worker with no page open.
   * Ask before the request can happen.
   */
  nextAnswer(matches: (request: Request, status: number) => boolean): Promise<number>;
  /**
   * From now on, the status of every answer of the key server that `matches`, in order, whoever
   * sent the request: the array grows as answers go out.
   */
  answersTo(matches: (request: Request, status: number) => boolean): readonly number[];
  /** Registers another app of the ecosystem (as `npm run apps -- add` does); it works from the next request. */
  registerApp(app: RegisteredApp): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real key server on a loopback port, serving the built PWA from dist/ (built once by the
 * e2e global setup) on a fresh SQLite file. WebAuthn needs a real origin: http://localhost:PORT.
 */
export async function startLiveServer(env: Record<string, string> = {}): Promise<LiveServer> {
  if (!existsSync('dist/index.html')) throw new Error('dist/ is missing: the e2e global setup builds it');
  const dir = scratchDir('kh-e2e-');
  const databaseFile = join(dir, 'keyhold.sqlite');
  const database = openDatabase({ sqliteFile: databaseFile });
  await migrateToLatest(database.db);
  let server: ServerType | undefined;
  const waiting = new Set<{ matches: (request: Request, status: number) => boolean; answered: (status: number) => void }>();
  const recording = new Set<{ matches: (request: Request, status: number) => boolean; statuses: number[] }>();
  const answer = async (request: Request): Promise<Response> => {
    const response = await holder.app!.fetch(request);
    for (const w of waiting) {
      if (!w.matches(request, response.status)) continue;
      waiting.delete(w);
      w.answered(response.status);
    }
    for (const r of recording) if (r.matches(request, response.status)) r.statuses.push(response.status);
    return response;
  };
  // Bind first to learn the port, then build the app with an ORIGIN naming it.
  const holder: { app?: ReturnType<typeof buildApp>['app']; apps?: ReturnType<typeof buildApp>['apps'] } = {};
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: answer, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      const config = loadConfig({ DATA_DIR: dir, ORIGIN: `http://localhost:${info.port}`, RP_ID: 'localhost', STATIC_DIR: 'dist', LOG_REQUESTS: 'false', ...env });
      ({ app: holder.app, apps: holder.apps } = buildApp({ store: database.store, config, pepper: createPepper(E2E_PEPPER_BYTES), log: silentLogger, version: 'e2e', now: Date.now }));
      resolve(info.port);
    });
  });
  return {
    origin: `http://localhost:${port}`,
    databaseFile,
    nextAnswer(matches) {
      return new Promise<number>((answered) => waiting.add({ matches, answered }));
    },
    answersTo(matches) {
      const statuses: number[] = [];
      recording.add({ matches, statuses });
      return statuses;
    },
    async registerApp(app) {
      await registerApp(database.store, app, Date.now());
      await holder.apps!.refresh();
    },
    async close() {
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Chromium with the usual flags; `extraArgs` adds flags for one journey's browser only (the kit
 * scanner's fake camera: `--use-fake-device-for-media-stream --use-file-for-fake-video-capture=…`).
 */
export async function launchChromium({ extraArgs = [] }: { extraArgs?: readonly string[] } = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS, ...extraArgs], headless: true });
}

/** A phone-sized context (390×844) that records CSP violations and console errors. */
export async function openPhone(browser: Browser, origin: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, baseURL: origin });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  traceForFailure(page, problems);
  return { context, page, problems };
}

/**
 * When the journey that opened `page` fails, puts what the page saw into the failure's message
 * (the summary at the end of a run, the part of a CI log one reads): its errors, its last API
 * answers and failed loads, the requests still waiting for an answer, and what was on its screen
 * at the end. A wait that timed out says only what did not appear; this says why. The
 * context is closed by the time the failure is known, so all of it is gathered as it happens.
 * Paths only: no query, no body.
 */
function traceForFailure(page: Page, problems: string[]): void {
  if (!TestRunner.getCurrentTest()) return; // opened in a beforeAll: no one test to report to
  const opened = performance.now();
  /** Each request still without an answer, and when it was asked. */
  const pending = new Map<PageRequest, number>();
  const requests: string[] = [];
  const at = (request: PageRequest) => `${request.method()} ${new URL(request.url()).pathname}`;
  const note = (line: string) => {
    requests.push(`${since(performance.now())} ${line}`);
    if (requests.length > TRACE_REQUESTS) requests.shift();
  };
  const since = (time: number) => `+${((time - opened) / 1000).toFixed(1)} s`;
  page.on('request', (request) => pending.set(request, performance.now()));
  page.on('requestfinished', (request) => pending.delete(request));
  page.on('requestfailed', (request) => {
    pending.delete(request);
    note(`${at(request)} failed (${request.failure()?.errorText ?? 'no reason'})`);
  });
  page.on('response', (response) => {
    // The app's own files are many and dull when they load: only API answers, and what failed to load.
    if (response.ok() && !new URL(response.url()).pathname.startsWith('/api/')) return;
    note(`${at(response.request())} ${response.status()}`);
  });
  // What a person would have seen when the journey gave up: the accessibility tree, as the journeys
  // find things. Taken as the journey closes the context, or at the failure if the page is still open.
  const snapshot = () => page.locator('body').ariaSnapshot({ timeout: 5_000 }).catch((error: Error) => `(no snapshot: ${error.message.split('\n')[0]})`);
  let screen: string | undefined;
  const context = page.context();
  const close = context.close.bind(context);
  context.close = async (options) => {
    if (!page.isClosed()) screen = await snapshot();
    return close(options);
  };
  onTestFailed(async ({ task }) => {
    screen ??= page.isClosed() ? '(the page was closed before its context)' : await snapshot();
    const indent = (lines: readonly string[]) => lines.map((line) => `    ${line}`).join('\n') || '    none';
    const trace = [
      `What the page saw (${page.url()}):`,
      `  Errors:\n${indent(problems)}`,
      `  The last ${TRACE_REQUESTS} API answers and failed loads:\n${indent(requests)}`,
      `  Still waiting for an answer:\n${indent([...pending].map(([request, asked]) => `${since(asked)} ${at(request)}`))}`,
      `  On screen at the end:\n${indent(screen.split('\n'))}`,
    ].join('\n');
    const error = task.result?.errors?.[0];
    if (error) error.message = `${error.message}\n\n${trace}`;
    else console.error(trace);
  });
}

/** How many of a page's last API answers and failed loads a failure reports. */
const TRACE_REQUESTS = 20;

/**
 * Chromium's virtual authenticator (CDP WebAuthn domain): a platform passkey with user verification
 * and PRF, or with `transport: 'usb'` a security key beside it.
 */
export async function addVirtualAuthenticator(page: Page, opts: { prf?: boolean; transport?: 'internal' | 'usb' } = {}): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: opts.transport ?? 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      hasPrf: opts.prf ?? true,
    },
  });
  return { cdp, authenticatorId };
}

/** A phone `withPhones` opened: its own context and storage, and a virtual authenticator with PRF. */
export interface OpenedPhone {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly authenticator: Awaited<ReturnType<typeof addVirtualAuthenticator>>;
}

/**
 * The body of a journey's `phone` fixture: hands `use` a function that opens as many phones as
 * the journey needs, closes them all after it, and then fails the journey if any phone saw a CSP
 * violation or a script error. Chromium logs a 4xx answer as a failed load; the ones the app
 * expects (a wrong PIN, a removed device's refused sync, a sign-in it retries) are not errors.
 */
export async function withPhones(browser: Browser, origin: string, use: (open: () => Promise<OpenedPhone>) => Promise<void>): Promise<void> {
  const opened: Array<{ context: BrowserContext; problems: string[] }> = [];
  try {
    await use(async () => {
      const { context, page, problems } = await openPhone(browser, origin);
      opened.push({ context, problems });
      return { context, page, authenticator: await addVirtualAuthenticator(page, { prf: true }) };
    });
  } finally {
    for (const phone of opened) await phone.context.close();
  }
  const problems = opened.flatMap((phone) => phone.problems).filter((p) => !/status of 4\d\d/.test(p));
  if (problems.length > 0) throw new Error(`The app reported problems:\n${problems.join('\n')}`);
}

/**
 * Takes the context's network away or gives it back, for its pages and service worker alike.
 * Playwright's `setOffline` alone can leave `navigator.onLine` true in a page that has a CDP
 * session of its own (the virtual authenticator's), so each open page also gets the same
 * conditions through a CDP session; the page then fires `offline`/`online` as a phone would.
 */
export async function setOffline(context: BrowserContext, offline: boolean): Promise<void> {
  await context.setOffline(offline);
  for (const page of context.pages()) {
    let cdp = networkSessions.get(page);
    // Kept, not detached: detaching would end the page's virtual authenticator (see clearSiteData).
    if (!cdp) networkSessions.set(page, (cdp = await context.newCDPSession(page)));
    await cdp.send('Network.emulateNetworkConditions', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  }
}
const networkSessions = new WeakMap<Page, CDPSession>();

/**
 * Wipes what a browser's "clear site data" wipes for `origin` — IndexedDB, Cache Storage, local
 * storage, service workers (CDP `Storage.clearDataForOrigin` 'all') and the cookies — while the
 * page, its context and any virtual authenticator stay: a passkey outlives the site's storage.
 */
export async function clearSiteData(page: Page, origin: string): Promise<void> {
  // Not detached afterwards: detaching any CDP session of the page also ends Chromium's virtual
  // authenticator environment ("has not been enabled for this session"), and with it the passkey.
  const cdp = await page.context().newCDPSession(page);
  // A controlling service worker would otherwise serve the next load and keep its caches alive.
  await page.evaluate(async () => {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
  });
  await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
  await page.context().clearCookies();
}

/** axe-core's source, read once per test file. */
let axeSource: string | undefined;

/** Runs axe-core on the page and returns its violations (id and affected targets). */
export async function axeViolations(page: Page): Promise<Array<{ id: string; targets: string[] }>> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Injected through CDP-evaluated script, not a <script> tag: the page's CSP forbids inline script.
  // Once per document: a second copy of its 500 KB would only be parsed again.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return result;
}

/**
 * A phone with a real profile directory. Chromium treats Playwright's ordinary contexts as
 * incognito, where nothing is installable; the installability check needs this one.
 */
export async function launchPersistentPhone(origin: string): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'kh-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_FLAGS,
    headless: true,
    viewport: { width: 390, height: 844 },
    baseURL: origin,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Onboarding as a person does it on `page` (which needs a virtual authenticator): username,
 * passkey, the PIN twice; resolves when the vault is open.
 */
export async function onboardInPage(page: Page, username: string, pin: string): Promise<void> {
  const hook = (name: string) => page.locator(`[data-test="${name}"]`);
  await page.goto('/');
  await hook('username').fill(username);
  await hook('create-passkey').click();
  await hook('pin').fill(pin);
  await hook('pin-confirm').fill(pin);
  await hook('save-pin').click();
  await hook('new-login').waitFor({ timeout: 30_000 });
}

/**
 * Whether PIN recovery works for the account signed in on `page`: the key server holds a
 * registration and the account's signed log names it (the server answers only such a one). The app
 * registers in the background after onboarding, the registration and its entry in one request that
 * commits both or neither; both are checked, so the wait holds whatever the order.
 */
export function pinRecoveryReady(page: Page): Promise<boolean> {
  return page.evaluate(async () => {
    const status = (await (await fetch('/api/recovery/status')).json()) as { pin?: { active?: boolean }; logIds?: { pin?: string | null } };
    const registration = status.logIds?.pin;
    if (status.pin?.active !== true || !registration) return false;
    let named: string | null = null;
    for (let after = 0; ; ) {
      const log = (await (await fetch(`/api/account/log?after=${after}`)).json()) as {
        status: 'logged' | 'unlogged';
        entries: Array<{ seq: number; changes: Array<{ op: string; id?: string }> }>;
        more: boolean;
      };
      if (log.status === 'unlogged') return true; // an account without a log: the server answers any registration
      for (const change of log.entries.flatMap((entry) => entry.changes)) {
        if (change.op === 'pin-recovery.set') named = change.id ?? null;
        if (change.op === 'pin-recovery.remove') named = null;
      }
      const last = log.entries.at(-1);
      if (!log.more || !last) return named === registration;
      after = last.seq;
    }
  });
}

export type SettingsSectionName = 'Security' | 'Recovery' | 'Devices & passkeys' | 'Data' | 'About';

/** A section's entry in the Settings list: a button named by its title, then its summary. */
export function settingsEntry(page: Page, section: SettingsSectionName) {
  return page.getByRole('button', { name: new RegExp(`^${section} `) });
}

/** Opens Settings from the unlocked vault, then one of its sections, found by role and name as a person finds them. */
export async function openSettings(page: Page, section: SettingsSectionName): Promise<void> {
  await page.getByRole('button', { name: 'Settings', exact: true }).click({ timeout: 20_000 });
  await settingsEntry(page, section).click();
  await page.getByRole('heading', { level: 2, name: section, exact: true }).waitFor();
}

/** From a section of Settings back to the vault's list. */
export async function leaveSettings(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Back to settings' }).click();
  await page.getByRole('button', { name: 'Back to vault' }).click();
}

/**
 * Recovery by PIN as a person does it on a new phone (`page`, with no vault), keeping the PIN;
 * resolves when the vault is open.
 */
export async function recoverInPage(page: Page, username: string, pin: string): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: 'I already have a vault' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'With my PIN' }).click();
  await page.getByLabel('Your vault PIN').fill(pin);
  await page.getByRole('button', { name: 'Recover vault' }).click();
  await page.getByRole('button', { name: 'New login' }).waitFor({ timeout: 30_000 });
}
