/**
 * `npm run bench:overload`: the key server driven at twice its measured maximum (issue 16,
 * "Overload and faults"). For `GET /api/health`, with the shedding as shipped and, as references,
 * with only the in-flight limit and with no shedding; then a write path (`POST
 * /api/passkeys/register/options`, which commits a challenge) as shipped, checking afterwards
 * that every acknowledged write is in the database. Each run reports accepted and shed rates and
 * the accepted requests' latency per 5 s window, and how long after the load stops latency is
 * normal again. Prints the tables and rewrites its section of BENCHMARKS.md.
 *
 * Options (after `npm run bench:overload --`): --duration=<s> (default 60), --max-seconds=<s>
 * (closed-loop maximum, default 10), --connections=<n> (open-loop connections, default 2048: as
 * many clients open, so the queue forms at the server, where shedding sees it),
 * --variants=shipped,inflight,none (default all), --no-write-path, --no-pin (no taskset),
 * --no-write. Exits 1 if a verdict fails.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { encodeBase64Url } from '../protocol/base64url';
import { Cleanups, runBench, writeBenchmarkSection } from './lib/benchmarks-file';
import { startKeyServerProcess, type RunningServer } from './lib/children';
import { runLoad } from './lib/load';
import { describeMachine } from './lib/machine';
import type { PacedRequest } from './lib/paced-load';
import { recoverySeconds, renderSection, SECTION_HEADING, verdicts, type OverloadReport, type VariantResult } from './overload/report';
import { runOverload, type Offer } from './overload/windowed-load';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WINDOW_S = 5;
const PROBE = { share: 0.1, durationS: 10, windowS: 0.5, connections: 8 };
const UNLIMITED = '1000000000';
/** Shedding settings per variant; "as shipped" is the configuration's defaults. */
const VARIANTS = {
  shipped: { name: 'as shipped', env: {} as Record<string, string>, settings: 'SHED_MAX_IN_FLIGHT and SHED_MAX_LAG_MS at their defaults' },
  inflight: { name: 'in-flight limit only', env: { SHED_MAX_LAG_MS: UNLIMITED }, settings: 'SHED_MAX_LAG_MS off' },
  none: { name: 'no shedding', env: { SHED_MAX_LAG_MS: UNLIMITED, SHED_MAX_IN_FLIGHT: UNLIMITED }, settings: 'both limits off' },
};
type VariantKey = keyof typeof VARIANTS;

interface Options {
  durationS: number;
  maxSeconds: number;
  connections: number;
  variants: VariantKey[];
  writePath: boolean;
  pin: boolean;
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = { durationS: 60, maxSeconds: 10, connections: 2048, variants: ['shipped', 'inflight', 'none'], writePath: true, pin: true, write: true };
  for (const arg of argv) {
    const [flag, value] = arg.split('=');
    if (flag === '--duration') opts.durationS = Number(value);
    else if (flag === '--max-seconds') opts.maxSeconds = Number(value);
    else if (flag === '--connections') opts.connections = Number(value);
    else if (flag === '--variants') opts.variants = (value ?? '').split(',').filter((v): v is VariantKey => v in VARIANTS);
    else if (flag === '--no-write-path') opts.writePath = false;
    else if (flag === '--no-pin') opts.pin = false;
    else if (flag === '--no-write') opts.write = false;
    else throw new Error(`unknown option ${arg}`);
  }
  if (!(opts.durationS > 0 && opts.maxSeconds > 0 && opts.connections > 0)) throw new Error('--duration, --max-seconds and --connections must be positive numbers');
  return opts;
}

const cleanups = new Cleanups();
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

/** Pins a process and all its threads to one CPU (threads it starts later inherit it). */
const pinTo = (cpu: number, pid: number) => execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });

async function startKeyServer(env: Record<string, string>, opts: Options): Promise<{ server: RunningServer; origin: string; dataDir: string }> {
  const started = await startKeyServerProcess({
    cleanups,
    cwd: ROOT,
    prefix: 'kh-overload-',
    env: { STATIC_DIR: '', PEPPER: encodeBase64Url(randomBytes(32)), SIGNIN_LIMIT_PER_ACCOUNT: UNLIMITED, SIGNIN_LIMIT_PER_ADDRESS: UNLIMITED, ...env },
  });
  if (opts.pin) pinTo(0, started.server.pid);
  return started;
}

/** One variant: measure the maximum, the light probe's normal p99, then twice the maximum followed by the probe. */
/** The server's capacity for `request`: closed loop on 64 connections, shedding off (a refusal is not capacity). */
async function measureMax(request: PacedRequest, env: Record<string, string>, opts: Options): Promise<number> {
  const { server } = await startKeyServer({ ...env, ...VARIANTS.none.env }, opts);
  const spec = { url: `${server.url}${request.path}`, method: request.method, headers: request.headers, ...(request.body ? { body: request.body } : {}) };
  await runLoad(spec, { connections: 64, durationS: 2 }); // warm-up
  const max = await runLoad(spec, { connections: 64, durationS: opts.maxSeconds });
  await server.stop();
  log(`${request.method} ${request.path}: maximum ${Math.round(max.rps)}/s (p99 ${max.p99} ms)`);
  return max.rps;
}

async function overloadRun(name: string, settings: string, env: Record<string, string>, request: PacedRequest, maxRps: number, durationS: number, opts: Options, keepBodies: boolean) {
  const { server, dataDir } = await startKeyServer(env, opts);
  const probeOffer = (startS: number): Offer => ({ name: 'probe', rate: Math.max(10, maxRps * PROBE.share), durationS: PROBE.durationS, startS, connections: PROBE.connections, windowS: PROBE.windowS, request });
  // Warms the server's code up and says what latency is normal at a light load.
  const [before] = await runOverload({ url: server.url, offers: [{ ...probeOffer(0), windowS: PROBE.durationS }] });
  const normalP99 = before!.windows[0]!.p99;
  const offeredRps = 2 * maxRps;
  log(`${name}: offering ${Math.round(offeredRps)}/s for ${durationS} s (probe p99 before: ${normalP99} ms)`);
  const overloadOffer: Offer = { name: 'overload', rate: offeredRps, durationS, startS: 0, connections: opts.connections, windowS: WINDOW_S, request };
  const [overload, probe] = await runOverload({ url: server.url, offers: [overloadOffer, probeOffer(durationS)], ...(keepBodies ? { keepBodies: 'overload' } : {}) });
  await server.stop();
  const result: VariantResult = { name, settings, maxRps, offeredRps, normalP99, overload: overload!, probe: probe!, recoveryS: recoverySeconds(probe!.windows, normalP99, PROBE.windowS) };
  for (const w of overload!.windows) log(`  ${w.startS}s: accepted ${Math.round(w.accepted / WINDOW_S)}/s, shed ${Math.round(w.shed / WINDOW_S)}/s, failed ${w.failed}, p50 ${w.p50} ms, p99 ${w.p99} ms`);
  log(`${name}: normal again ${result.recoveryS === null ? 'not within the probe' : `${result.recoveryS} s after the load stopped`}`);
  return { result, dataDir, acceptedBodies: overload!.acceptedBodies };
}

/** Every challenge the server acknowledged (a 200 carrying it) must be a row of its database. */
function countPresent(dataDir: string, bodies: string[]): number {
  const db = new BetterSqlite3(join(dataDir, 'keyhold.sqlite'), { readonly: true });
  try {
    const stored = new Set(db.prepare('select challenge from challenges').pluck().all() as string[]);
    return bodies.filter((b) => stored.has((JSON.parse(b) as { challenge: string }).challenge)).length;
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const machine = describeMachine();
  log(`load average ${machine.loadAverage} at the start`);
  if (opts.pin) pinTo(1, process.pid);

  const health: PacedRequest = { method: 'GET', path: '/api/health' };
  const variants: VariantResult[] = [];
  const healthMax = await measureMax(health, {}, opts);
  for (const key of opts.variants) {
    const v = VARIANTS[key];
    variants.push((await overloadRun(v.name, v.settings, v.env, health, healthMax, opts.durationS, opts, false)).result);
  }
  if (opts.writePath) {
    // The Origin check wants the configured origin: the server gets a fixed one (its port is only known once it runs).
    const request = (origin: string): PacedRequest => ({ method: 'POST', path: '/api/passkeys/register/options', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'overload-writer' }) });
    const env = { ORIGIN: 'http://localhost:8080' };
    const writeMax = await measureMax(request(env.ORIGIN), env, opts);
    const run = await overloadRun('write path, as shipped', 'defaults', env, request(env.ORIGIN), writeMax, Math.min(opts.durationS, 20), opts, true);
    run.result.writes = { acknowledged: run.acceptedBodies.length, present: countPresent(run.dataDir, run.acceptedBodies) };
    log(`write path: ${run.result.writes.present} of ${run.result.writes.acknowledged} acknowledged writes present`);
    variants.push(run.result);
  }
  await cleanups.run();

  const report: OverloadReport = {
    machine,
    command: ['npm run bench:overload', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    durationS: opts.durationS,
    connections: opts.connections,
    pinned: opts.pin,
    variants,
  };
  const results = verdicts(report);
  for (const v of results) console.log(`${v.pass ? 'PASS' : 'FAIL'} ${v.name} (${v.detail})`);
  if (opts.write) {
    writeBenchmarkSection(join(ROOT, 'BENCHMARKS.md'), SECTION_HEADING, renderSection(report, WINDOW_S));
    console.log('Wrote the overload section of BENCHMARKS.md.');
  }
  if (results.some((v) => !v.pass)) process.exitCode = 1;
}

runBench('bench:overload', main, cleanups);
