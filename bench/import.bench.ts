/**
 * `npm run bench:import`: importing 10,000 items (a generated Bitwarden JSON export) through
 * `vault.transfer.preview` + `confirm` in headless Chromium against the real key server, timed
 * from the page; budget 10 s. In the same run and page, a reference — the work an import cannot
 * avoid, done bare: the items' WebCrypto encryptions and one bulkPut of the rows — and, as
 * information, how long the outbox then takes to push everything to the local key server.
 * Prints a table and rewrites the import section of BENCHMARKS.md.
 *
 * Options (after `npm run bench:import --`): --items=<n> (default 10000), --runs=<n> imports,
 * each into a fresh account and device (default 3), --no-write (leave BENCHMARKS.md alone).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { buildApp } from './client/builds';
import { loadE2eBrowserHelpers, type E2eBrowserHelpers } from './client/e2e-helpers';
import { median } from './client/report';
import type { ImportBenchApi } from './import/in-page';
import { Cleanups, runBench, writeBenchmarkSection } from './lib/benchmarks-file';
import { describeMachine, type Machine } from './lib/machine';
import { buildPageBundle } from './sync/page-bundle';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PIN = '482915';
const BUDGET_MS = 10_000;
const SECTION_HEADING = '## Import (`npm run bench:import`)';

interface Options {
  items: number;
  runs: number;
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = { items: 10_000, runs: 3, write: true };
  for (const arg of argv) {
    const [flag, value] = arg.split('=');
    const number = Number(value);
    const positive = Number.isInteger(number) && number > 0;
    if (flag === '--no-write') opts.write = false;
    else if (flag === '--items' && positive) opts.items = number;
    else if (flag === '--runs' && positive) opts.runs = number;
    else throw new Error(`unknown option ${arg}`);
  }
  return opts;
}

interface Run {
  previewMs: number;
  confirmMs: number;
  encryptMs: number;
  bulkPutMs: number;
  pushMs: number;
  pushRuns: number;
}

const cleanups = new Cleanups();
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

type Call = <K extends keyof ImportBenchApi>(name: K, ...args: Parameters<ImportBenchApi[K]>) => Promise<Awaited<ReturnType<ImportBenchApi[K]>>>;

/**
 * A device as the sync bench makes one (bench/sync/devices.ts explains the choices): its own
 * Chromium with an on-disk profile, on `/api/health` of the key server's origin (no app code),
 * the bundle injected, CSP bypassed for it, service workers blocked, a virtual PRF passkey.
 */
async function openDevice(helpers: E2eBrowserHelpers, origin: string, bundle: string, workerUrl: string): Promise<{ call: Call; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'kh-bench-import-profile-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: helpers.CHROMIUM,
    args: [...helpers.CHROMIUM_FLAGS],
    headless: true,
    baseURL: origin,
    bypassCSP: true,
    serviceWorkers: 'block',
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  cleanups.push(close);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await helpers.addVirtualAuthenticator(page, { prf: true });
  await page.goto('/api/health');
  await page.evaluate(bundle);
  const call: Call = async (name, ...args) => {
    const result = await page.evaluate(
      ([fn, fnArgs]) => (globalThis as unknown as { __khImportBench: Record<string, (...a: unknown[]) => unknown> }).__khImportBench[fn]!(...fnArgs),
      [name, args] as const,
    );
    if (errors.length) throw new Error(`the page reported errors: ${errors.join('; ')}`);
    return result as never;
  };
  await call('openDevice', workerUrl);
  return { call, close };
}

function renderSection(opts: Options, runs: Run[], machine: Machine, chromiumVersion: string, fileBytes: number, date: Date): string {
  const med = (pick: (r: Run) => number) => median(runs.map(pick));
  const total = med((r) => r.previewMs + r.confirmMs);
  const reference = med((r) => r.encryptMs + r.bulkPutMs);
  const pass = Math.max(...runs.map((r) => r.previewMs + r.confirmMs)) < BUDGET_MS;
  const row = (label: string, pick: (r: Run) => number) => `| ${label} | ${s(med(pick))} | ${runs.map((r) => s(pick(r))).join(', ')} |`;
  return [
    SECTION_HEADING,
    '',
    `- Date: ${date.toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- Machine: ${machine.nproc} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.ramGiB} GiB RAM, Node ${machine.node}, Chromium ${chromiumVersion}; 1-minute load average ${machine.loadAverage} at the start`,
    `- Command: \`npm run bench:import${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\``,
    `- Method: the app's \`Vault\` (bundled from src/ as bench:sync does) in headless Chromium with an on-disk profile, against the real key server (SQLite) serving dist/. ` +
      `Each run is a fresh account and device (virtual PRF passkey, PIN). A Bitwarden unencrypted JSON export of ${opts.items.toLocaleString('en')} items (9 in 10 logins, 1 in 10 notes; ${(fileBytes / 2 ** 20).toFixed(1)} MiB) is made in the page, then timed with \`performance.now()\` in the page: ` +
      '`vault.transfer.preview` (parse, decrypt the vault for duplicates) and `confirm` (encrypt every item under a fresh DEK, one IndexedDB transaction). ' +
      'Reference, same page right after: the same number of bare WebCrypto record encryptions (generate a DEK, AES-GCM, wrap it), 256 at a time as the import runs them, plus one Dexie `bulkPut` of the stored rows into a scratch database. ' +
      'Push: `vault.sync.now()` until nothing is pending (one PUT per record to the local key server); information, no budget. Median of the runs.',
    '',
    '| Step | Median | Runs |',
    '| --- | --- | --- |',
    row('Preview (read + duplicate check)', (r) => r.previewMs),
    row('Confirm (encrypt + one transaction)', (r) => r.confirmMs),
    row('**Import total**', (r) => r.previewMs + r.confirmMs),
    row('Reference: bare encryptions', (r) => r.encryptMs),
    row('Reference: one bulkPut', (r) => r.bulkPutMs),
    row('Push of the outbox to the key server', (r) => r.pushMs),
    '',
    `Import total / reference: ${(total / reference).toFixed(2)}×.`,
    '',
    `**${pass ? 'PASS' : 'FAIL'}**: every import of ${opts.items.toLocaleString('en')} items took under ${s(BUDGET_MS)} (slowest ${s(Math.max(...runs.map((r) => r.previewMs + r.confirmMs)))}).`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const date = new Date();
  const machine = describeMachine();
  const appBuild = await buildApp(ROOT);
  const workerFile = readdirSync(join(ROOT, 'dist', 'assets')).find((file) => /^argon2\.worker-.*\.js$/.test(file));
  if (!workerFile) throw new Error('dist/assets has no argon2.worker-*.js chunk');
  const work = mkdtempSync(join(tmpdir(), 'kh-bench-import-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const bundle = await buildPageBundle(ROOT, work, 'import-bench', [
    "import { Argon2Client, KeyServer, LocalStore, createBrowserPasskeys, Vault } from '/src/vault/index.ts';",
    "import { createImportBenchApi } from '/bench/import/in-page.ts';",
    '(globalThis as any).__khImportBench = createImportBenchApi({ Argon2Client, KeyServer, LocalStore, createBrowserPasskeys, Vault } as any);',
  ]);
  log(`built in ${s(appBuild.ms)}; 1-minute load average ${machine.loadAverage}`);
  const helpers = await loadE2eBrowserHelpers();
  const server = await helpers.startLiveServer();
  cleanups.push(() => server.close());
  const browser = await helpers.launchChromium();
  const chromiumVersion = browser.version();
  await browser.close();

  const runs: Run[] = [];
  let fileBytes = 0;
  for (let i = 1; i <= opts.runs; i++) {
    const { call, close } = await openDevice(helpers, server.origin, bundle, `/assets/${workerFile}`);
    await call('onboard', `import-bench-${i}`, PIN);
    fileBytes = await call('makeFile', opts.items);
    const imported = await call('timedImport');
    if (imported.imported !== opts.items || imported.rows !== opts.items) throw new Error(`imported ${imported.imported}, ${imported.rows} rows stored; expected ${opts.items}`);
    const reference = await call('reference', opts.items);
    const push = await call('timedPush');
    runs.push({ ...imported, ...reference, pushMs: push.ms, pushRuns: push.runs });
    log(`run ${i}: preview ${s(imported.previewMs)}, confirm ${s(imported.confirmMs)}; reference ${s(reference.encryptMs)} + ${s(reference.bulkPutMs)}; push ${s(push.ms)} in ${push.runs} syncs`);
    await call('close');
    await close();
  }
  await cleanups.run();
  const section = renderSection(opts, runs, machine, chromiumVersion, fileBytes, date);
  console.log(`\n${section}`);
  if (opts.write) {
    writeBenchmarkSection(join(ROOT, 'BENCHMARKS.md'), SECTION_HEADING, section);
    console.log('Wrote the import section of BENCHMARKS.md.');
  }
}

runBench('bench:import', main, cleanups);
