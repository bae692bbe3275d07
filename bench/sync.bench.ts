/**
 * `npm run bench:sync`: record sync between devices of one account, in real headless
 * Chromium against the real key server. For two accounts (a small and a large vault), device A
 * onboards and saves the records; fresh devices recover with the PIN and time their initial sync
 * (download + store) and the first list (decrypt all); then device A changes one record at a
 * time and device B times the incremental sync, the two sizes alternating. Prints a table and
 * rewrites the sync section of BENCHMARKS.md.
 *
 * Options (after `npm run bench:sync --`): --records=<n> the large vault (default 10000),
 * --small=<n> the small vault (default 1000), --devices=<n> fresh devices for the initial sync
 * (default 3, at least 3), --runs=<n> incremental syncs per size (default 20), --no-write
 * (leave BENCHMARKS.md alone).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECORD_CHANGES_PAGE_MAX } from '../protocol/constants';
import { buildApp } from './client/builds';
import { loadE2eBrowserHelpers } from './client/e2e-helpers';
import { median } from './client/report';
import { Cleanups, runBench } from './lib/benchmarks-file';
import { describeMachine } from './lib/machine';
import { chromiumVersion, openBenchDevice, type BenchDevice } from './sync/devices';
import { buildSyncPageBundle } from './sync/page-bundle';
import { ms, printReport, renderSection, writeSection, type IncrementalRun, type InitialRun, type SyncReport, type VaultSizeFigures } from './sync/report';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** A PIN the app's policy accepts (the journeys use it too). */
const PIN = '482915';
/** Records saved per page.evaluate while seeding, so progress shows. */
const SEED_CHUNK = 1000;
const INCREMENTAL_WARM_UPS = 2;
/** Rounds after the incremental ones that also time the list refresh. */
const LIST_REFRESH_RUNS = 10;

interface Options {
  records: number;
  small: number;
  devices: number;
  runs: number;
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = { records: 10_000, small: 1_000, devices: 3, runs: 20, write: true };
  for (const arg of argv) {
    const [flag, value] = arg.split('=');
    const number = Number(value);
    const positive = Number.isInteger(number) && number > 0;
    if (flag === '--no-write') opts.write = false;
    else if (flag === '--records' && positive) opts.records = number;
    else if (flag === '--small' && positive) opts.small = number;
    else if (flag === '--devices' && positive && number >= 3) opts.devices = number;
    else if (flag === '--runs' && positive) opts.runs = number;
    else throw new Error(`unknown option ${arg}`);
  }
  if (opts.small >= opts.records) throw new Error('--small must be below --records');
  return opts;
}

const cleanups = new Cleanups();
const cleanUp = () => cleanups.run();
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const loadAverage = () => Math.round(os.loadavg()[0]! * 100) / 100;

type OpenDevice = (name: string, passkey?: boolean) => Promise<BenchDevice>;

/** One account: its device A (onboarded with a passkey and the PIN) holding `records` records, all pushed. */
interface SeededAccount {
  username: string;
  records: number;
  deviceA: BenchDevice;
  seed: VaultSizeFigures['seed'];
}

async function seedAccount(open: OpenDevice, username: string, records: number): Promise<SeededAccount> {
  const deviceA = await open(`device A of ${username}`, true);
  const onboarded = await deviceA.call('onboard', username, PIN);
  log(`${username}: device A onboarded in ${ms(onboarded.ms)}; saving ${records} records`);
  let saveMs = 0;
  let bytes = 0;
  for (let start = 0; start < records; start += SEED_CHUNK) {
    const count = Math.min(SEED_CHUNK, records - start);
    const chunk = await deviceA.call('seed', start, count);
    saveMs += chunk.ms;
    bytes += chunk.plaintextBytes * count;
    log(`  saved ${start + count} of ${records} (${ms(chunk.ms)} for ${count})`);
  }
  const push = await deviceA.call('pushAll');
  log(`  pushed: ${ms(push.ms)} until nothing was pending, ${push.puts} PUTs in ${push.runs} syncs (median PUT ${ms(median(push.putMs))})`);
  return {
    username,
    records,
    deviceA,
    seed: { added: records, saveMs, pushMs: push.ms, puts: push.puts, putMedianMs: push.putMs.length ? median(push.putMs) : 0, plaintextBytes: bytes / records },
  };
}

/** A fresh device recovers, then times its initial sync and the list that decrypts everything. */
async function initialSync(open: OpenDevice, account: SeededAccount, name: string): Promise<{ device: BenchDevice; run: InitialRun }> {
  const device = await open(name);
  const recovered = await device.call('recover', account.username, PIN);
  const sync = await device.call('timedSync');
  const list = await device.call('timedList', account.records);
  log(`  ${name}: recovered in ${ms(recovered.ms)}; sync ${ms(sync.ms)} (${sync.requests.length} requests, ${sync.storedRows} rows), decrypt ${ms(list.ms)} (${list.count} records), total ${ms(sync.ms + list.ms)}`);
  return { device, run: { recoverMs: recovered.ms, sync, list } };
}

/**
 * Device A changes one record (a different one each `round`) and syncs; device B times its sync,
 * then checks the change arrived. With `list`, device B then times `listRecords()` too, as the UI
 * does on RECORDS_CHANGED; those rounds are separate so that the list's reading of every row (and
 * the garbage it leaves) cannot land inside a timed sync.
 */
async function incrementalOnce(account: SeededAccount, deviceB: BenchDevice, round: number, list: boolean): Promise<IncrementalRun> {
  const marker = `edit-${round}`;
  const edited = await account.deviceA.call('editOne', (round * 7919) % account.records, marker);
  const sync = await deviceB.call('timedSync');
  const delivered = await deviceB.call('hasEdit', edited.id, marker);
  const listMs = list ? (await deviceB.call('timedList', account.records)).ms : null;
  return { editMs: edited.ms, sync, listMs, delivered };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const date = new Date();
  const machine = describeMachine();
  log(`1-minute load average ${machine.loadAverage}`);

  const appBuild = await buildApp(ROOT);
  // The worker is its own bundle (`?worker&url`), so it is a file of dist/assets rather than a chunk of the build's output.
  const workerFile = readdirSync(join(ROOT, 'dist', 'assets')).find((file) => /^argon2\.worker-.*\.js$/.test(file));
  if (!workerFile) throw new Error('dist/assets has no argon2.worker-*.js chunk');
  const work = mkdtempSync(join(tmpdir(), 'kh-bench-sync-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const bundleStarted = performance.now();
  const bundle = await buildSyncPageBundle(ROOT, work);
  const buildMs = appBuild.ms + (performance.now() - bundleStarted);
  log(`dist/ and the page bundle built in ${ms(buildMs)}`);

  const helpers = await loadE2eBrowserHelpers();
  const server = await helpers.startLiveServer();
  cleanups.push(() => server.close());
  const chromium = await chromiumVersion(helpers);
  log(`key server on ${server.origin}, Chromium ${chromium}`);
  const open: OpenDevice = async (name, passkey = false) => {
    const device = await openBenchDevice(helpers, { name, origin: server.origin, bundle, workerUrl: `/assets/${workerFile}`, passkey });
    cleanups.push(() => device.close());
    return device;
  };

  // Two accounts, so that both vault sizes exist at once and their incremental runs can alternate.
  const small = await seedAccount(open, 'sync-bench-small', opts.small);
  const smallLoad = loadAverage();
  const smallB = await initialSync(open, small, 'device B of the small vault');

  const large = await seedAccount(open, 'sync-bench-large', opts.records);
  const largeLoad = loadAverage();
  log(`1-minute load average ${largeLoad}; ${opts.devices} fresh devices`);
  const largeInitial: InitialRun[] = [];
  let largeB: BenchDevice | undefined;
  for (let i = 1; i <= opts.devices; i++) {
    await largeB?.close();
    const fresh = await initialSync(open, large, `fresh device ${i}`);
    largeInitial.push(fresh.run);
    largeB = fresh.device;
  }
  const breakdown = await largeB!.call('breakdown', RECORD_CHANGES_PAGE_MAX);
  log(`  breakdown: ${breakdown.pages} pages, fetch + JSON ${ms(breakdown.fetchAndParseMs)} (request ${ms(breakdown.requestMs)}), blob checks ${ms(breakdown.parseBlobsMs)}, applyChanges ${ms(breakdown.applyMs)} (bulkGet alone ${ms(breakdown.bulkGetMs)}, bulkPut alone ${ms(breakdown.bulkPutMs)}), liveRecords ${ms(breakdown.readAllMs)}`);

  // Alternating sizes (and which goes first) so that a change in the machine's load hits both alike.
  const incrementalLoad = loadAverage();
  log(`1-minute load average ${incrementalLoad}; incremental syncs`);
  const devicesB: Array<[SeededAccount, BenchDevice]> = [[large, largeB!], [small, smallB.device]];
  const runs = new Map<SeededAccount, IncrementalRun[]>([[small, []], [large, []]]);
  const refreshes = new Map<SeededAccount, number[]>([[small, []], [large, []]]);
  const rounds = INCREMENTAL_WARM_UPS + opts.runs + LIST_REFRESH_RUNS;
  for (let round = 0; round < rounds; round++) {
    const withList = round >= INCREMENTAL_WARM_UPS + opts.runs;
    for (const [account, deviceB] of round % 2 ? [...devicesB].reverse() : devicesB) {
      const run = await incrementalOnce(account, deviceB, round, withList);
      if (withList) refreshes.get(account)!.push(run.listMs!);
      else if (round >= INCREMENTAL_WARM_UPS) runs.get(account)!.push(run);
    }
  }
  for (const [account, list] of runs) log(`  incremental at ${account.records}: median ${ms(median(list.map((r) => r.sync.ms)))}; list refresh median ${ms(median(refreshes.get(account)!))}`);
  await cleanUp();

  const report: SyncReport = {
    date,
    machine,
    chromium,
    command: ['npm run bench:sync', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    totalS: (performance.now() - started) / 1000,
    buildMs,
    incrementalWarmUps: INCREMENTAL_WARM_UPS,
    incrementalLoadAverage: incrementalLoad,
    sizes: [
      { records: small.records, seed: small.seed, initial: [smallB.run], incremental: runs.get(small)!, listRefreshMs: refreshes.get(small)!, loadAverage: smallLoad },
      { records: large.records, seed: large.seed, initial: largeInitial, breakdown, incremental: runs.get(large)!, listRefreshMs: refreshes.get(large)!, loadAverage: largeLoad },
    ],
  };
  printReport(report);
  if (opts.write) {
    writeSection(join(ROOT, 'BENCHMARKS.md'), renderSection(report));
    console.log('Wrote the sync section of BENCHMARKS.md.');
  }
}

runBench('bench:sync', main, cleanups);
