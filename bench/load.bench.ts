/**
 * `npm run bench:load`: a load generator on loopback against device sign-in, the PIN
 * recovery evaluation, the backup fetch and record sync (pull and push), on SQLite and
 * PostgreSQL, next to a bare Hono route measured in the same run; then a soak of the mix at half
 * its measured capacity, reading the server's resident memory and latency minute by minute.
 * Prints the tables and rewrites the load section of BENCHMARKS.md.
 *
 * Options (after `npm run bench:load --`): --soak-minutes=<n> (default 10; 0: no soak),
 * --dialects=sqlite,postgres (default both; PostgreSQL is skipped when its binaries are missing
 * unless named here), --soak-dialects=<list> (default: every dialect run), --duration=<s>
 * (default 10), --warmup=<s> (default 2), --connections=<n> (default 16), --no-write.
 * Exits 1 if any request of a soak failed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { encodeBase64Url } from '../protocol/base64url';
import { createTestDatabase, startPostgres, type RunningPostgres } from '../test/helpers/postgres';
import { Cleanups, runBench, writeBenchmarkSection } from './lib/benchmarks-file';
import { freePort, startServer } from './lib/children';
import { describeMachine } from './lib/machine';
import { BlindedPool } from './load/blinded-pool';
import { measureClosedLoop, type ClosedLoopResult } from './load/closed-loop';
import { mixOf, operations } from './load/operations';
import { seedPopulation, type PopulationShape } from './load/population';
import { printReport, renderSection, SECTION_HEADING, type DialectReport, type LoadReport, type ScenarioRow } from './load/report';
import { residentKiB, type WatchedServer } from './load/server-process';
import { soak } from './load/soak';
import { defaultHeaders, type Sequence } from './load/steps';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** High enough that neither the sign-in limiter nor the PIN allowance ever refuses the load; both still count. */
const UNLIMITED = '1000000000';
const POPULATION: PopulationShape = { accounts: 32, devicesPerAccount: 2, vaultRecords: 1000, changesPerPull: 10, slots: 64 };
/** A first guess at the recovery starts per second of a closed-loop run (~2 ms of JavaScript each), before one was measured. */
const RECOVERY_RPS_GUESS = 400;

type Dialect = 'sqlite' | 'postgres';
const DIALECT_NAMES: Record<Dialect, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

interface Options {
  dialects: Dialect[];
  dialectsNamed: boolean;
  soakDialects: Dialect[] | undefined;
  soakMinutes: number;
  timing: { connections: number; warmupS: number; durationS: number };
  write: boolean;
}

function parseDialects(value: string | undefined): Dialect[] {
  const list = (value ?? '').split(',').filter(Boolean);
  if (!list.length || list.some((d) => d !== 'sqlite' && d !== 'postgres')) throw new Error(`dialects must be a list of sqlite and postgres, not "${value}"`);
  return [...new Set(list as Dialect[])];
}

function parseOptions(argv: string[]): Options {
  const opts: Options = { dialects: ['sqlite', 'postgres'], dialectsNamed: false, soakDialects: undefined, soakMinutes: 10, timing: { connections: 16, warmupS: 2, durationS: 10 }, write: true };
  for (const arg of argv) {
    const [flag, value] = arg.split('=');
    const number = Number(value);
    if (flag === '--no-write') opts.write = false;
    else if (flag === '--dialects') {
      opts.dialects = parseDialects(value);
      opts.dialectsNamed = true;
    }
    else if (flag === '--soak-dialects') opts.soakDialects = parseDialects(value);
    else if (flag === '--soak-minutes' && Number.isInteger(number) && number >= 0) opts.soakMinutes = number;
    else if (flag === '--duration' && number > 0) opts.timing.durationS = number;
    else if (flag === '--warmup' && number >= 0) opts.timing.warmupS = number;
    else if (flag === '--connections' && Number.isInteger(number) && number > 0) opts.timing.connections = number;
    else throw new Error(`unknown option ${arg}`);
  }
  return opts;
}

const cleanups = new Cleanups();
const cleanUp = () => cleanups.run();
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const brief = (r: ClosedLoopResult) => `${Math.round(r.total.rps)} rps, p50 ${r.total.p50.toFixed(2)} ms, p99 ${r.total.p99.toFixed(2)} ms, errors ${r.total.errors}`;

async function startKeyServer(name: string, databaseUrl: string | undefined): Promise<{ server: WatchedServer; origin: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kh-load-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    STATIC_DIR: '',
    LOG_REQUESTS: 'false',
    ORIGIN: origin,
    RP_ID: 'localhost',
    PEPPER: encodeBase64Url(randomBytes(32)),
    SIGNIN_LIMIT_PER_ACCOUNT: UNLIMITED,
    SIGNIN_LIMIT_PER_ADDRESS: UNLIMITED,
    PIN_RECOVERY_GUESSES: UNLIMITED,
    // Capacity, not overload, is measured here: no refusal for load (bench:overload measures that).
    SHED_MAX_IN_FLIGHT: UNLIMITED,
    SHED_MAX_LAG_MS: UNLIMITED,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  const server = await startServer({ name, script: 'server/main.ts', port, env, readyPath: '/api/health', cwd: ROOT });
  cleanups.push(() => server.stop());
  return { server, origin };
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

/** Makes sure the pool holds enough blinded elements for `starts` recovery starts, times `margin`. */
async function provision(pool: BlindedPool, starts: number, margin: number): Promise<void> {
  const wanted = Math.ceil(starts * margin);
  if (pool.size < wanted) {
    log(`blinding ${wanted - pool.size} elements for the recovery starts`);
    await pool.fill(wanted - pool.size);
  }
}

async function benchDialect(dialect: Dialect, bareUrl: string, opts: Options, soakIt: boolean, skipped: string[]): Promise<DialectReport | undefined> {
  const name = DIALECT_NAMES[dialect];
  let databaseUrl: string | undefined;
  let notes = 'Embedded SQLite file (better-sqlite3) on the temp directory\'s disk: WAL, `synchronous = FULL` (every commit is fsynced), as the server ships.';
  if (dialect === 'postgres') {
    let postgres: RunningPostgres;
    try {
      postgres = await startPostgres();
    } catch (error) {
      if (opts.dialectsNamed) throw error;
      const reason = (error as Error).message.split('\n')[0]!;
      skipped.push(`PostgreSQL (${reason})`);
      log(`PostgreSQL skipped: ${reason}`);
      return undefined;
    }
    cleanups.push(() => postgres.stop());
    databaseUrl = await createTestDatabase(postgres.url);
    notes =
      `PostgreSQL ${await postgresVersion(postgres.url)}, a throwaway local cluster from test/helpers/postgres.ts (\`fsync = off\`, \`synchronous_commit = off\`, \`full_page_writes = off\`: ` +
      'commits are not durable there, unlike the SQLite run; the bench changes nothing in it), over TCP on 127.0.0.1; the server\'s default pool of 10 connections.';
  }

  const { server, origin } = await startKeyServer(`key server (${name})`, databaseUrl);
  const seedStart = performance.now();
  const population = await seedPopulation(server.url, origin, POPULATION);
  log(`${name}: ${POPULATION.accounts} accounts, a ${POPULATION.vaultRecords}-record vault and ${POPULATION.slots} push records seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
  const rssAfterSeedKiB = residentKiB(server.pid);
  const pool = new BlindedPool();
  const ops = operations(population, pool);
  const headers = defaultHeaders(origin);
  const { timing } = opts;
  const run = async (label: string, sequences: readonly Sequence[]) => {
    const result = await measureClosedLoop(server.url, headers, sequences, timing);
    log(`${name} ${label}: ${brief(result)} (load average ${result.loadAverage})`);
    return result;
  };

  const bare = await measureClosedLoop(bareUrl, {}, [[{ kind: 'bare', method: 'GET', build: () => ({ path: '/bare' }) }]], timing);
  log(`bare GET /bare: ${brief(bare)} (load average ${bare.loadAverage})`);

  const scenarios: ScenarioRow[] = [];
  const signIn = await run('device sign-in', [ops.signIn]);
  scenarios.push({ label: 'device sign-in (challenge + signed sign-in)', result: signIn, flowsPerS: signIn.byKind.get('sign-in: signed sign-in')?.rps ?? 0 });

  await provision(pool, RECOVERY_RPS_GUESS * (timing.warmupS + timing.durationS), 1.5);
  const recovery = await run('PIN recovery evaluation', [ops.recovery]);
  scenarios.push({ label: 'PIN recovery evaluation `POST /api/recovery/pin/start`', result: recovery });

  scenarios.push({ label: 'backup fetch `GET /api/backup`', result: await run('backup fetch', [ops.backup]) });
  scenarios.push({ label: `sync pull \`GET /api/records/changes\` (${POPULATION.changesPerPull} changes of ${POPULATION.vaultRecords})`, result: await run('sync pull', [ops.pull]) });
  scenarios.push({ label: 'sync push `PUT /api/records/{id}` (compare-and-set)', result: await run('sync push', [ops.push]) });

  const mix = mixOf(ops);
  // Recovery is 1 request in 10 of the mix, and cannot go faster than it does alone.
  await provision(pool, (recovery.total.rps / 5) * (timing.warmupS + timing.durationS), 1.5);
  const mixResult = await run('mix', mix);

  let soakResult: DialectReport['soak'];
  if (soakIt) {
    const offeredRps = mixResult.total.rps / 2;
    // The pacer's arrivals are exact: one recovery start per round of 10 requests.
    await provision(pool, (offeredRps / 10) * opts.soakMinutes * 60, 1.02);
    log(`${name} soak: ${Math.round(offeredRps)} req/s for ${opts.soakMinutes} min`);
    soakResult = await soak(server, headers, mix, offeredRps, opts.soakMinutes, log);
  }
  await server.stop();
  return {
    dialect: name,
    notes,
    bare,
    scenarios,
    mix: mixResult,
    ...(soakResult ? { soak: soakResult } : {}),
    blindedDuringRuns: pool.madeDuringRun,
    recordsCreatedDuringRuns: ops.createdDuringRuns(),
    rssAfterSeedKiB,
  };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const date = new Date();
  const machineStart = describeMachine();
  const skipped: string[] = [];
  log(`load average ${machineStart.loadAverage} at the start`);

  const barePort = await freePort();
  const bare = await startServer({ name: 'bare server', script: 'bench/bare-server.ts', port: barePort, env: { PORT: String(barePort), HOST: '127.0.0.1' }, readyPath: '/bare', cwd: ROOT });
  cleanups.push(() => bare.stop());

  const soakDialects = opts.soakMinutes > 0 ? (opts.soakDialects ?? opts.dialects) : [];
  const dialects: DialectReport[] = [];
  for (const dialect of opts.dialects) {
    const report = await benchDialect(dialect, bare.url, opts, soakDialects.includes(dialect), skipped);
    if (report) dialects.push(report);
  }
  await cleanUp();

  const report: LoadReport = {
    date,
    machineStart,
    loadAverageEnd: Math.round(os.loadavg()[0]! * 100) / 100,
    command: ['npm run bench:load', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    timing: opts.timing,
    population: POPULATION,
    soakMinutes: opts.soakMinutes,
    dialects,
    skipped,
    totalS: (performance.now() - started) / 1000,
  };
  printReport(report);
  if (opts.write) {
    writeBenchmarkSection(join(ROOT, 'BENCHMARKS.md'), SECTION_HEADING, renderSection(report));
    console.log('Wrote the load and soak section of BENCHMARKS.md.');
  }
  const failed = dialects.some((d) => (d.soak?.total.errors ?? 0) > 0);
  if (failed) process.exitCode = 1;
}

runBench('bench:load', main, cleanups);
