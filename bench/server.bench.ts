/**
 * `npm run bench:server`: throughput and latency of the key server's hot paths, each judged
 * against a reference measured in the same run (bench/lib/report.ts has the targets), on SQLite
 * and (when its binaries are there) a durable PostgreSQL. Prints a table and rewrites the key
 * server section of BENCHMARKS.md.
 *
 * Options (after `npm run bench:server --`): --postgres (require PostgreSQL), --no-postgres,
 * --only=backup,signin,oprf (some scenarios only; implies --no-write), --duration=<s> (closed-loop
 * runs, default 10), --paced-duration=<s> (fixed-rate runs, default 30), --warmup=<s> (default 2),
 * --connections=<n> (default 16), --cpu-prof=<dir> (the key servers write V8 CPU profiles there),
 * --postgres-socket (connect to PostgreSQL over its Unix-domain socket rather than TCP; implies
 * --no-write), --no-write (leave BENCHMARKS.md alone).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { encodeBase64Url } from '../protocol/base64url';
import { createTestDatabase, startPostgres, type RunningPostgres } from '../test/helpers/postgres';
import { Cleanups, runBench } from './lib/benchmarks-file';
import { freePort, startServer, type RunningServer } from './lib/children';
import { issueChallenges, pacedSignIns, presignChallenges, replayPresigned, type DeviceTarget } from './lib/device-signin-load';
import { measureMaxThroughput, runLoad, type LoadFigures, type Timing } from './lib/load';
import { describeMachine, processCpuMs } from './lib/machine';
import { oprfReady } from '../server/domain/oprf';
import { evaluateOnEventLoop, startOprfPool } from '../server/domain/oprf-pool';
import { measureEvaluations, nobleOnEventLoop, pinRecoveryStarts } from './lib/oprf-load';
import { runPaced, type PacedRequest } from './lib/paced-load';
import { printReport, renderSection, TARGETS, writeSection, type BackupRungs, type DatabaseResult, type OprfResult, type RunReport } from './lib/report';
import { seedAccount } from './lib/seed-account';
import { measureSignInReference } from './lib/signin-reference';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** High enough that no limiter or guess allowance ever refuses the benchmark; every attempt is still counted in the database. */
const UNLIMITED = '1000000000';
/** Pre-signed pool = expected sign-ins × this, so the pool outlasts the run. */
const POOL_MARGIN = 1.5;
/** Warm-up pool = challenge issue rate × warm-up seconds × this (a warm sign-in runs faster than issuing). */
const WARM_UP_POOL = 3;
/** How much faster sign-in runs once warm than in its warm-up (measured: ~1.15; rounded up). */
const WARM_UP_GAIN = 1.25;
/** Sign-ins come from many accounts' devices, as on a real server: one account would serialise them on its lock. */
const BENCH_ACCOUNTS = 32;
const DEVICES_PER_ACCOUNT = 2;
/** The paced generator's fresh worker thread first sends this long of unrecorded requests at the run's rate. */
const PACED_WARM_UP_S = 1;
const SCENARIOS = ['backup', 'signin', 'oprf'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Options {
  postgres: 'auto' | 'require' | 'skip';
  timing: Timing;
  write: boolean;
  only: Set<Scenario>;
  cpuProfDir: string | undefined;
  postgresSocket: boolean;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = { postgres: 'auto', timing: { connections: 16, warmupS: 2, durationS: 10, pacedS: 30 }, write: true, only: new Set(SCENARIOS), cpuProfDir: undefined, postgresSocket: false };
  for (const arg of argv) {
    const [flag, value = ''] = arg.split('=');
    const number = Number(value);
    if (flag === '--postgres') opts.postgres = 'require';
    else if (flag === '--no-postgres') opts.postgres = 'skip';
    else if (flag === '--no-write') opts.write = false;
    else if (flag === '--postgres-socket') {
      opts.postgresSocket = true;
      opts.postgres = 'require'; // a run of the socket without PostgreSQL would measure nothing it was asked for
      opts.write = false; // BENCHMARKS.md records the TCP figures
    } else if (flag === '--duration' && number > 0) opts.timing.durationS = number;
    else if (flag === '--paced-duration' && number > 0) opts.timing.pacedS = number;
    else if (flag === '--warmup' && number >= 0) opts.timing.warmupS = number;
    else if (flag === '--connections' && Number.isInteger(number) && number > 0) opts.timing.connections = number;
    else if (flag === '--cpu-prof' && value) opts.cpuProfDir = resolve(value);
    else if (flag === '--only' && value.split(',').every((s) => (SCENARIOS as readonly string[]).includes(s))) {
      opts.only = new Set(value.split(',') as Scenario[]);
      opts.write = false; // a partial run never replaces the whole section
    } else throw new Error(`unknown option ${arg}`);
  }
  return opts;
}

const cleanups = new Cleanups();

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(server: Promise<RunningServer>): Promise<RunningServer> {
  const running = await server;
  cleanups.push(() => running.stop());
  return running;
}

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const brief = (f: LoadFigures) => `${Math.round(f.rps)} rps, p50 ${f.p50} ms, p99 ${f.p99} ms, errors ${f.errors}`;

/** The bare route (context) and the reference: the same framework sending the backup fetch's reply, no session or database. */
async function benchReference(timing: Timing): Promise<{ bare: LoadFigures; reply: LoadFigures }> {
  const port = await freePort();
  const server = await start(startServer({ name: 'bare server', script: 'bench/bare-server.ts', port, env: { PORT: String(port), HOST: '127.0.0.1' }, readyPath: '/bare', cwd: ROOT }));
  const bare = await measureMaxThroughput({ url: `${server.url}/bare` }, timing);
  log(`bare GET /bare: ${brief(bare)}`);
  const reply = await measureMaxThroughput({ url: `${server.url}/bare/reply` }, timing);
  log(`reference GET /bare/reply: ${brief(reply)}`);
  await server.stop(); // also on the clean-up list: stopping twice is harmless
  return { bare, reply };
}

/** A paced (open-loop) run at `rate`, warmed up with `warmup` at the same rate (bench/lib/paced-load.ts). */
function paced(url: string, rate: number, requests: PacedRequest[], warmup: PacedRequest, timing: Timing): Promise<LoadFigures> {
  return runPaced({ url, rate, durationS: timing.pacedS ?? timing.durationS, connections: timing.connections, requests, warmup: { request: warmup, seconds: PACED_WARM_UP_S } });
}

/** Device sign-in alone, closed loop and then paced at TARGETS.signInRate: every request carries a distinct challenge issued and signed before the run. */
async function benchDeviceSignIn(t: DeviceTarget, timing: Timing, serverPid: number): Promise<DatabaseResult['signIn']> {
  const { connections, warmupS, durationS } = timing;
  const pool = async (count: number) => presignChallenges(t, (await issueChallenges(t, Math.max(count, connections), connections)).challenges);
  const probe = await issueChallenges(t, 1000 + connections, connections);
  const challengeIssue = probe.figures;
  log(`device challenge (issue): ${brief(challengeIssue)}`);
  let estimate = challengeIssue.rps * WARM_UP_POOL;
  if (warmupS > 0) {
    const needed = Math.ceil(challengeIssue.rps * WARM_UP_POOL * warmupS);
    const extra = needed > probe.challenges.length ? (await issueChallenges(t, needed - probe.challenges.length, connections)).challenges : [];
    const warm = await runLoad(replayPresigned(t, await presignChallenges(t, [...probe.challenges, ...extra])), { connections, durationS: warmupS });
    estimate = Math.max(warm.rps, warm.peakRps) * WARM_UP_GAIN;
  }
  const bodies = await pool(Math.ceil(estimate * durationS * POOL_MARGIN));
  const cpuBefore = processCpuMs(serverPid);
  const max = await runLoad(replayPresigned(t, bodies), { connections, durationS });
  const cpuAfter = processCpuMs(serverPid);
  const requests = max.ok + max.errors;
  const cpuPerSignInUs = cpuBefore !== undefined && cpuAfter !== undefined && requests > 0 ? (1000 * (cpuAfter - cpuBefore)) / requests : undefined;
  const spent = max.ok + max.errors >= bodies.length;
  log(`device sign-in: ${brief(max)} (pool ${bodies.length}${spent ? ', spent before the end' : ''})`);
  const pacedBodies = await pool(Math.ceil(TARGETS.signInRate * (timing.pacedS ?? durationS)) + 1);
  const atRate = await paced(t.url, TARGETS.signInRate, pacedSignIns(t, pacedBodies), { method: 'GET', path: '/api/health' }, timing);
  log(`device sign-in @${TARGETS.signInRate}/s: ${brief(atRate)}`);
  return { max, paced: atRate, challengeIssue, ...(cpuPerSignInUs !== undefined ? { cpuPerSignInUs } : {}), ...(spent ? { caveat: `the pre-signed pool (${bodies.length}) ran out before the end of the run: the rps is understated` } : {}) };
}

function keyServerEnv(port: number, extra: Record<string, string>): { env: Record<string, string>; origin: string } {
  const origin = `http://localhost:${port}`;
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    STATIC_DIR: '',
    LOG_REQUESTS: 'true', // as shipped: one JSON line per request, into a file (stdoutFile below)
    ORIGIN: origin,
    RP_ID: 'localhost',
    PEPPER: encodeBase64Url(randomBytes(32)),
    SIGNIN_LIMIT_PER_ACCOUNT: UNLIMITED,
    SIGNIN_LIMIT_PER_ADDRESS: UNLIMITED,
    PIN_RECOVERY_GUESSES: UNLIMITED,
    // The load generator gives each device its own client address (bench/lib/device-signin-load.ts).
    TRUST_PROXY: 'true',
    ...extra,
  };
  return { env, origin };
}

async function startKeyServer(name: string, opts: Options, extra: Record<string, string>, script = 'server/main.ts'): Promise<{ server: RunningServer; origin: string; dataDir: string }> {
  const dataDir = tempDir('kh-bench-');
  const port = await freePort();
  const { env, origin } = keyServerEnv(port, { DATA_DIR: dataDir, ...extra });
  // One directory per server: every thread (the main one, the loader's, each worker) writes its own profile.
  const nodeArgs = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${join(opts.cpuProfDir, `${name.replace(/\W+/g, '-')}-${Date.now()}`)}`] : [];
  const server = await start(startServer({ name, script, port, env, readyPath: '/api/health', cwd: ROOT, stdoutFile: join(dataDir, 'requests.log'), nodeArgs }));
  return { server, origin, dataDir };
}

/**
 * The rungs between the reference and the backup fetch (bench/lib/backup-rungs.ts), on the key
 * server's database once that server has stopped, so the two never share the cores.
 */
async function benchBackupRungs(database: { dataDir: string; databaseUrl: string | undefined }, cookie: string, timing: Timing): Promise<BackupRungs> {
  const token = cookie.slice(cookie.indexOf('=') + 1).split(';')[0]!;
  const port = await freePort();
  const where: Record<string, string> = database.databaseUrl ? { KEYHOLD_STORE_URL: database.databaseUrl } : { KEYHOLD_STORE_FILE: join(database.dataDir, 'keyhold.sqlite') };
  const server = await start(startServer({ name: 'backup rungs', script: 'bench/bare-server.ts', port, env: { PORT: String(port), HOST: '127.0.0.1', KEYHOLD_SESSION_TOKEN: token, ...where }, readyPath: '/bare', cwd: ROOT }));
  const rungs: BackupRungs = {};
  if (!database.databaseUrl) {
    rungs.read = await measureMaxThroughput({ url: `${server.url}/bare/reply-read` }, timing);
    log(`reference + the backup fetch's statement, read directly: ${brief(rungs.read)}`);
  }
  rungs.store = await measureMaxThroughput({ url: `${server.url}/bare/reply-store` }, timing);
  log(`reference + the backup fetch's store call: ${brief(rungs.store)}`);
  await server.stop();
  return rungs;
}

async function benchKeyServer(database: string, notes: string, databaseUrl: string | undefined, opts: Options): Promise<DatabaseResult> {
  const { timing } = opts;
  const { server, origin, dataDir } = await startKeyServer(`key server (${database})`, opts, databaseUrl ? { DATABASE_URL: databaseUrl } : {});
  const accounts = [];
  for (let i = 0; i < BENCH_ACCOUNTS; i++) accounts.push(await seedAccount(server.url, origin, `bench-user-${i}`, DEVICES_PER_ACCOUNT));
  log(`${database}: ${BENCH_ACCOUNTS} accounts with a key bundle and ${DEVICES_PER_ACCOUNT} devices each ready`);
  const result: DatabaseResult = { database, notes };
  if (opts.only.has('backup')) {
    const backup: PacedRequest = { method: 'GET', path: '/api/backup', headers: { cookie: accounts[0]!.deviceCookie } };
    const max = await measureMaxThroughput({ url: `${server.url}/api/backup`, headers: backup.headers }, timing);
    log(`backup fetch: ${brief(max)}`);
    const atRate = await paced(server.url, TARGETS.backupRate, [backup], backup, timing);
    log(`backup fetch @${TARGETS.backupRate}/s: ${brief(atRate)}`);
    result.backup = { max, paced: atRate };
  }
  if (opts.only.has('signin')) result.signIn = await benchDeviceSignIn({ url: server.url, origin, devices: accounts.flatMap((a) => a.devices) }, timing, server.pid);
  await server.stop(); // also on the clean-up list: stopping twice is harmless
  if (result.backup) result.backup.rungs = await benchBackupRungs({ dataDir, databaseUrl }, accounts[0]!.deviceCookie, timing);
  return result;
}

/**
 * PIN-recovery evaluations (SQLite): their closed-loop rate with the evaluation as issue 16 found
 * it (@noble/curves on the event loop, bench/noble-oprf-server.ts: the reference), on libsodium on
 * the event loop (OPRF_THREADS=0) and in the worker-thread pool (as shipped), and in each the
 * backup fetch paced at TARGETS.backupRate while a closed-loop burst of evaluations runs beside it.
 */
async function benchOprf(opts: Options): Promise<OprfResult> {
  const run = async (label: string, extra: Record<string, string>, script?: string) => {
    const { server, origin } = await startKeyServer(`key server (${label})`, opts, extra, script);
    const account = await seedAccount(server.url, origin, 'oprf-bench-owner', 1);
    const starts = pinRecoveryStarts(server.url, origin);
    const max = await measureMaxThroughput(starts, opts.timing);
    log(`PIN-recovery start, ${label}: ${brief(max)}`);
    const backup: PacedRequest = { method: 'GET', path: '/api/backup', headers: { cookie: account.deviceCookie } };
    const pacedS = opts.timing.pacedS ?? opts.timing.durationS;
    // The burst starts with the paced run's warm-up and outlasts it by a second.
    const [backupDuringBurst, burst] = await Promise.all([
      paced(server.url, TARGETS.backupRate, [backup], backup, opts.timing),
      runLoad(starts, { connections: opts.timing.connections, durationS: pacedS + PACED_WARM_UP_S + 1 }),
    ]);
    log(`backup fetch @${TARGETS.backupRate}/s beside a burst of starts, ${label}: ${brief(backupDuringBurst)}; the burst: ${brief(burst)}`);
    await server.stop();
    return { max, backupDuringBurst, burst };
  };
  // The evaluation alone, in this process, while no server runs.
  const measure = { concurrency: opts.timing.connections, durationS: opts.timing.durationS, warmupS: opts.timing.warmupS };
  await oprfReady();
  const asFiled = await measureEvaluations(nobleOnEventLoop, measure);
  const eventLoop = await measureEvaluations(evaluateOnEventLoop, measure);
  // Started only now, so that its threads starting up take nothing from the two runs above.
  const pool = startOprfPool();
  const alone = { asFiled, eventLoop, pool: await measureEvaluations(pool, measure).finally(() => pool.close()) };
  log(`OPRF evaluations alone: ${Math.round(alone.asFiled)}/s with noble, ${Math.round(alone.eventLoop)}/s on the event loop, ${Math.round(alone.pool)}/s in the pool`);
  return {
    alone,
    asFiled: await run('OPRF with noble on the event loop', {}, 'bench/noble-oprf-server.ts'),
    eventLoop: await run('OPRF on the event loop', { OPRF_THREADS: '0' }),
    pool: await run('OPRF in the worker pool', {}),
  };
}

async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    return rows[0]?.server_version.split(' ')[0] ?? '?';
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const date = new Date();
  const machine = describeMachine();
  const skipped: string[] = [];
  const reference = opts.only.has('backup') ? await benchReference(opts.timing) : undefined;
  const signInReference = opts.only.has('signin') ? await measureSignInReference({ concurrency: opts.timing.connections, durationS: opts.timing.durationS, warmupS: opts.timing.warmupS }) : undefined;
  if (signInReference) log(`same-work reference: ${Math.round(signInReference.perS)} operations/s`);

  const databases: DatabaseResult[] = [];
  const sqliteNotes = 'Embedded SQLite file (better-sqlite3) on the temp directory\'s disk: WAL, `synchronous = FULL` (every commit fsynced), as the server ships.';
  if (opts.only.has('backup') || opts.only.has('signin')) databases.push(await benchKeyServer('SQLite', sqliteNotes, undefined, opts));
  if (opts.postgres !== 'skip' && (opts.only.has('backup') || opts.only.has('signin'))) {
    let postgres: RunningPostgres | undefined;
    try {
      postgres = await startPostgres({ durable: true });
      const running = postgres;
      cleanups.push(() => running.stop());
    } catch (error) {
      if (opts.postgres === 'require') throw error;
      skipped.push(`PostgreSQL (${(error as Error).message.split('\n')[0]})`);
      log(`PostgreSQL skipped: ${(error as Error).message.split('\n')[0]}`);
    }
    if (postgres) {
      const version = await postgresVersion(postgres.url);
      const transport = opts.postgresSocket ? 'over its Unix-domain socket' : 'over TCP on 127.0.0.1';
      const notes = `PostgreSQL ${version}, a local cluster (test/helpers/postgres.ts, \`durable\`: \`fsync\`, \`synchronous_commit\` and \`full_page_writes\` on, as deployed), ${transport}; the server's pool of 10 connections.`;
      databases.push(await benchKeyServer('PostgreSQL', notes, await createTestDatabase(opts.postgresSocket ? postgres.socketUrl : postgres.url), opts));
    }
  }
  const oprf = opts.only.has('oprf') ? await benchOprf(opts) : undefined;
  await cleanups.run();

  const report: RunReport = {
    date,
    machine,
    command: ['npm run bench:server', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    timing: opts.timing,
    reference,
    signInReference,
    population: { accounts: BENCH_ACCOUNTS, devicesPerAccount: DEVICES_PER_ACCOUNT },
    databases,
    oprf,
    skipped,
    totalS: (performance.now() - started) / 1000,
  };
  printReport(report);
  if (opts.write) {
    writeSection(join(ROOT, 'BENCHMARKS.md'), renderSection(report));
    console.log('Wrote the key server section of BENCHMARKS.md.');
  }
}

runBench('bench:server', main, cleanups);
