/**
 * `npm run bench:client`: the vault client in real headless Chromium against a production build.
 * Argon2id PIN derivation in the app's worker against the native reference command, the rest
 * of a PIN unlock, decrypting 10,000 records, and what a first visit downloads (with a check that
 * the Argon2 worker and its WASM wait for a PIN). Prints tables and rewrites the vault client
 * section of BENCHMARKS.md.
 *
 * Options (after `npm run bench:client --`): --runs=<n> Argon2 calls per implementation after the
 * warm-up (default 10, at least 7), --records=<n> (default 10000), --no-diagnostic (skip the
 * SIMD comparison, which otherwise runs when the Argon2 target fails), --latency-runs=<n> (cold
 * and warm PIN unlocks and offline starts in the app's UI, default 7), --no-write (leave
 * BENCHMARKS.md alone).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import {
  ARGON2_DEFAULT_ITERATIONS,
  ARGON2_DEFAULT_MEMORY_KIB,
  ARGON2_DEFAULT_PARALLELISM,
  ARGON2_HASH_LENGTH,
} from '../protocol/constants';
import type { Argon2Params } from '../worker/argon2-protocol';
import { buildApp, buildPageBundle } from './client/builds';
import { loadE2eBrowserHelpers } from './client/e2e-helpers';
import { measureArgon2Speed } from './client/argon2-speed';
import type { Argon2Job, BenchApi, UnbundledArgon2 } from './client/in-page';
import type { Argon2Assets, Argon2BenchApi } from './client/in-page-argon2';
import { checkLazyLoading } from './client/lazy-load';
import { NATIVE_ARGON2, nativeArgon2Series, nativeArgon2Version } from './client/native-argon2';
import { median, ms, printReport, renderSection, TARGETS, writeSection, type ClientReport } from './client/report';
import { measureSizes } from './client/sizes';
import { measureUnlockLatency } from './client/unlock-latency';
import { Cleanups, runBench } from './lib/benchmarks-file';
import { describeMachine } from './lib/machine';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** A PIN the app's policy accepts (the journeys use it too). */
const PIN = '482915';
/** 16 bytes, ARGON2_SALT_BYTES; text because the native tool takes the salt as an argument. */
const SALT = 'kh-bench-salt-01';
const UNLOCK_WARM_UPS = 3;
const UNLOCK_RUNS = 20;
const RECORD_BATCH = 256;
const RECORD_PASSES = 3;

const PARAMS: Argon2Params = {
  memoryKiB: ARGON2_DEFAULT_MEMORY_KIB,
  iterations: ARGON2_DEFAULT_ITERATIONS,
  parallelism: ARGON2_DEFAULT_PARALLELISM,
  hashLength: ARGON2_HASH_LENGTH,
};

interface Options {
  runs: number;
  records: number;
  diagnostic: boolean;
  write: boolean;
  latencyRuns: number;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = { runs: 10, records: 10_000, diagnostic: true, write: true, latencyRuns: 7 };
  for (const arg of argv) {
    const [flag, value] = arg.split('=');
    const number = Number(value);
    if (flag === '--no-write') opts.write = false;
    else if (flag === '--no-diagnostic') opts.diagnostic = false;
    else if (flag === '--runs' && Number.isInteger(number) && number >= 7) opts.runs = number;
    else if (flag === '--records' && Number.isInteger(number) && number > 0) opts.records = number;
    else if (flag === '--latency-runs' && Number.isInteger(number) && number > 0) opts.latencyRuns = number;
    else throw new Error(`unknown option ${arg}`);
  }
  return opts;
}

const cleanups = new Cleanups();
const cleanUp = () => cleanups.run();

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

/** What the page bundle installs: in-page.ts's functions and in-page-argon2.ts's. */
type PageApi = BenchApi & Argon2BenchApi;

/** Calls one of in-page.ts's functions in the page; the arrow is serialised, so it names nothing from here. */
function inPage<K extends keyof PageApi>(page: Page, name: K, ...args: Parameters<PageApi[K]>): Promise<Awaited<ReturnType<PageApi[K]>>> {
  return page.evaluate(
    ([fn, fnArgs]) => (globalThis as unknown as { __khBench: Record<string, (...a: unknown[]) => unknown> }).__khBench[fn]!(...fnArgs),
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<PageApi[K]>>>;
}

/** The built worker chunk and .wasm assets, as the server serves them from dist/. */
function argon2Assets(workerFile: string, wasmFiles: readonly (string | undefined)[]): Argon2Assets {
  const find = (simd: boolean) => {
    const file = wasmFiles.find((f) => f !== undefined && /simd/.test(f) === simd);
    if (!file) throw new Error(`the worker chunk names no ${simd ? 'SIMD' : 'plain'} Argon2 .wasm asset`);
    return `/${file}`;
  };
  return { workerUrl: `/${workerFile}`, simdWasmUrl: find(true), plainWasmUrl: find(false) };
}

/** argon2-browser's unbundled loader, glue and a .wasm of its dist/, for the diagnostic harness. */
function unbundledArgon2(wasmFile: 'argon2.wasm' | 'argon2-simd.wasm'): UnbundledArgon2 {
  const require = createRequire(import.meta.url);
  const read = (file: string) => readFileSync(require.resolve(`argon2-browser/${file}`));
  return { glueSource: read('dist/argon2.js').toString('utf8'), librarySource: read('lib/argon2.js').toString('utf8'), wasmBase64: read(`dist/${wasmFile}`).toString('base64') };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const date = new Date();
  const machine = describeMachine();
  if (!existsSync(NATIVE_ARGON2)) throw new Error(`${NATIVE_ARGON2} is missing: apt-get install -y argon2 (or set ARGON2_PATH)`);

  const appBuild = await buildApp(ROOT);
  log(`dist/ built in ${ms(appBuild.ms)}`);
  const work = mkdtempSync(join(tmpdir(), 'kh-bench-client-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const bundleStarted = performance.now();
  const pageBundle = await buildPageBundle(ROOT, work);
  const buildMs = appBuild.ms + (performance.now() - bundleStarted);
  const sizes = measureSizes(ROOT, appBuild);
  log(`initial JS ${sizes.initialJs.map((f) => f.file).join(', ')}: ${sizes.initialJsGzip} B gzip; worker chunk ${sizes.worker.file}: ${sizes.worker.gzip} B gzip`);

  const helpers = await loadE2eBrowserHelpers();
  const server = await helpers.startLiveServer();
  cleanups.push(() => server.close());
  const browser: Browser = await helpers.launchChromium();
  cleanups.push(() => browser.close());
  const chromium = browser.version();
  log(`key server on ${server.origin}, Chromium ${chromium}`);

  // The measuring page: the app's own page, with the CSP bypassed so the bench may create the
  // worker (see report.ts), and no service worker precaching in the background while it measures.
  const context = await browser.newContext({ baseURL: server.origin, bypassCSP: true, serviceWorkers: 'block' });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto('/');
  await page.evaluate(pageBundle);
  const assets = argon2Assets(sizes.worker.file, sizes.wasm.map((w) => w.file));

  const job: Argon2Job = { pin: PIN, salt: SALT, params: PARAMS, runs: opts.runs };
  const app = await inPage(page, 'argon2Series', assets, 'simd', job);
  log(`Argon2id app worker: median ${ms(median(app.runsMs))} (first call ${ms(app.firstCallMs)})`);
  const native = await nativeArgon2Series(job);
  log(`Argon2id native: median ${ms(median(native.runsMs))} (process start-up alone ${ms(median(native.startUpMs))})`);
  const ratio = median(app.runsMs) / median(native.runsMs);
  const speed = await measureArgon2Speed(
    {
      argon2Open: (...args) => inPage(page, 'argon2Open', ...args),
      argon2Once: (...args) => inPage(page, 'argon2Once', ...args),
      argon2Close: (...args) => inPage(page, 'argon2Close', ...args),
      argon2Series: (...args) => inPage(page, 'argon2Series', ...args),
      argon2FirstCalls: (...args) => inPage(page, 'argon2FirstCalls', ...args),
    },
    assets,
    job,
    log,
  );

  let diagnostic: ClientReport['argon2']['diagnostic'];
  if (opts.diagnostic && ratio > TARGETS.argon2MaxRatio) {
    const simd = await inPage(page, 'argon2Unbundled', unbundledArgon2('argon2-simd.wasm'), job);
    const plain = await inPage(page, 'argon2Unbundled', unbundledArgon2('argon2.wasm'), job);
    diagnostic = { simd, plain };
    log(`Argon2id diagnostic: SIMD build ${ms(median(simd.runsMs))}, plain build ${ms(median(plain.runsMs))}`);
    if (simd.tagHex !== native.tagHex || plain.tagHex !== native.tagHex) throw new Error('the diagnostic Argon2 builds disagree with the native tag');
  }

  const unlock = await inPage(page, 'unlockWithoutArgon2', PIN, UNLOCK_WARM_UPS, UNLOCK_RUNS);
  log(`unlock without Argon2: median ${ms(median(unlock.runsMs))}`);
  const records = await inPage(page, 'decryptRecords', PIN, opts.records, RECORD_BATCH, RECORD_PASSES);
  log(`decrypt ${records.count}: sequential ${ms(median(records.sequentialMs))}, batched ${ms(median(records.batchedMs))}`);
  await context.close();
  if (pageErrors.length) throw new Error(`the measuring page reported errors: ${pageErrors.join('; ')}`);

  const lazy = await checkLazyLoading(helpers, browser, server.origin, PIN);
  log(`lazy loading: ${lazy.phases.map((p) => `${p.phase} ${p.workerRequested ? 'fetched' : '–'}`).join(', ')}`);
  const unlockLatency = await measureUnlockLatency(helpers, browser, server.origin, PIN, opts.latencyRuns);
  log(`unlock latency: cold ${unlockLatency.cold.map((r) => ms(r.totalMs)).join(', ')}; offline start ${unlockLatency.offlineStartMs.map(ms).join(', ')}`);
  await cleanUp();

  const report: ClientReport = {
    date,
    machine,
    chromium,
    command: ['npm run bench:client', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    totalS: (performance.now() - started) / 1000,
    params: PARAMS,
    argon2: {
      runs: opts.runs,
      app,
      native,
      nativeTool: `Debian argon2 ${nativeArgon2Version() ?? '(version unknown)'}`,
      ...(diagnostic ? { diagnostic } : {}),
      tagsAgree: app.tagHex === native.tagHex,
      speed,
    },
    unlock,
    records,
    sizes,
    lazy,
    unlockLatency,
    buildMs,
  };
  printReport(report);
  if (opts.write) {
    writeSection(join(ROOT, 'BENCHMARKS.md'), renderSection(report));
    console.log('Wrote the vault client section of BENCHMARKS.md.');
  }
}

runBench('bench:client', main, cleanups);
