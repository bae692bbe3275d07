/**
 * The Argon2 figures `npm run bench:client` adds to the t = 3 comparison: the per-pass cost
 * (slope between t = 1 and t = 6) of the app's worker and of the native command, the build
 * without SIMD, and first-call latency with a cold worker, with the kept module, after prewarm.
 * Rendering (rows, verdicts) is here too, so report.ts only splices it in.
 */
import type { Argon2Assets, FirstCallFigures } from './in-page-argon2';
import type { Argon2Job, Argon2Series } from './in-page';
import { nativeArgon2Once, nativeArgon2Series, type NativeSeries } from './native-argon2';

/** t of the two ends of the slope (RFC 9106's t = 3 sits between). */
export const SLOPE_PASSES = [1, 6] as const;
export const ARGON2_SPEED_TARGETS = {
  /** App worker's cost per extra pass over native's. */
  slopeMaxRatio: 1.1,
  /** The build without SIMD (engines without WASM SIMD), over native at the same t. */
  plainMaxRatio: 2,
} as const;
/** How many first calls of each kind, and how long a prewarm gets before the hash. */
const FIRST_CALLS = 5;
const PREWARM_WAIT_MS = 1000;

export interface Argon2SpeedFigures {
  app: Record<(typeof SLOPE_PASSES)[number], Argon2Series>;
  native: Record<(typeof SLOPE_PASSES)[number], NativeSeries>;
  plain: Argon2Series;
  firstCalls: FirstCallFigures;
  /** RFC 9106's second recommended setting's p = 4 at t = 3: our single-threaded build against the native command's 4 threads. */
  fourLanes: { app: Argon2Series; native: NativeSeries };
}

/** The in-page calls this module needs (client.bench.ts's `inPage`, bound to the page). */
export interface Argon2Page {
  argon2Open(assets: Argon2Assets, wasm: 'simd' | 'plain'): Promise<number>;
  argon2Once(handle: number, job: Argon2Job): Promise<{ ms: number; tagHex: string }>;
  argon2Close(handle: number): Promise<void>;
  argon2Series(assets: Argon2Assets, wasm: 'simd' | 'plain', job: Argon2Job): Promise<Argon2Series>;
  argon2FirstCalls(assets: Argon2Assets, job: Argon2Job, times: number, prewarmWaitMs: number): Promise<FirstCallFigures>;
}

export async function measureArgon2Speed(page: Argon2Page, assets: Argon2Assets, job: Argon2Job, log: (line: string) => void): Promise<Argon2SpeedFigures> {
  const { app, native } = await measureSlope(page, assets, job);
  log(`Argon2id slope: app ${perPass(app).toFixed(1)} ms/pass, native ${perPass(native).toFixed(1)} ms/pass`);
  const plain = await page.argon2Series(assets, 'plain', job);
  log(`Argon2id without SIMD: median ${median(plain.runsMs).toFixed(1)} ms`);
  const firstCalls = await page.argon2FirstCalls(assets, job, FIRST_CALLS, PREWARM_WAIT_MS);
  log(`Argon2id first call: cold ${median(firstCalls.coldSelfLoadMs).toFixed(1)} ms, kept module ${median(firstCalls.coldKeptModuleMs).toFixed(1)} ms, after prewarm ${median(firstCalls.afterPrewarmMs).toFixed(1)} ms`);
  const lanes: Argon2Job = { ...job, params: { ...job.params, parallelism: 4 } };
  const fourLanes = { app: await page.argon2Series(assets, 'simd', lanes), native: await nativeArgon2Series(lanes) };
  log(`Argon2id p = 4: app (one thread) ${median(fourLanes.app.runsMs).toFixed(1)} ms, native (4 threads) ${median(fourLanes.native.runsMs).toFixed(1)} ms`);
  return { app, native, plain, firstCalls, fourLanes };
}

/**
 * Both ends of the slope for the app worker and the native command, interleaved call by call
 * (app t = 1, app t = 6, native t = 1, native t = 6, and again): on a busy machine a slow
 * stretch then hits all four alike instead of one series.
 */
async function measureSlope(page: Argon2Page, assets: Argon2Assets, job: Argon2Job): Promise<Pick<Argon2SpeedFigures, 'app' | 'native'>> {
  const jobs = SLOPE_PASSES.map((iterations) => ({ ...job, params: { ...job.params, iterations }, runs: 1 }));
  const empty = (): Argon2Series => ({ firstCallMs: Number.NaN, runsMs: [], tagHex: '' });
  const app = jobs.map(empty);
  const native = jobs.map(() => ({ ...empty(), startUpMs: [] as number[] }));
  const handle = await page.argon2Open(assets, 'simd');
  try {
    for (let round = -1; round < job.runs; round++) {
      for (const [i, slopeJob] of jobs.entries()) {
        const ours = await page.argon2Once(handle, slopeJob);
        const theirs = await nativeArgon2Once(slopeJob);
        // Round -1 is the warm-up of each: reported as the first call.
        for (const [series, call] of [[app[i]!, ours], [native[i]!, theirs]] as const) {
          if (round < 0) series.firstCallMs = call.ms;
          else series.runsMs.push(call.ms);
          series.tagHex = call.tagHex;
        }
      }
    }
  } finally {
    await page.argon2Close(handle);
  }
  const [low, high] = SLOPE_PASSES;
  return { app: { [low]: app[0]!, [high]: app[1]! }, native: { [low]: native[0]!, [high]: native[1]! } } as Pick<Argon2SpeedFigures, 'app' | 'native'>;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median cost of one more pass over 64 MiB, from the two ends of SLOPE_PASSES. */
export function perPass(series: Record<(typeof SLOPE_PASSES)[number], Argon2Series>): number {
  const [low, high] = SLOPE_PASSES;
  return (median(series[high].runsMs) - median(series[low].runsMs)) / (high - low);
}

// ——— rendering ———

const fmt = (n: number, digits: number) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n: number) => `${fmt(n, n < 10 ? 2 : n < 100 ? 1 : 0)} ms`;
const ratio = (r: number) => `${fmt(r, 2)}×`;

/** The t = 3 figures client.bench.ts measured before (the app worker with SIMD, native). */
export interface Argon2Baseline {
  appMs: number[];
  nativeMs: number[];
  nativeTagHex: string;
}

/** Rows for the timings table, in report.ts's columns: label, runs, median, p90, min, max, first call, notes. */
export function argon2SpeedRows(s: Argon2SpeedFigures): string[][] {
  const [low, high] = SLOPE_PASSES;
  const p90 = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.9 * xs.length) - 1)]!;
  const row = (label: string, xs: readonly number[], first: string, note: string) => [label, String(xs.length), ms(median(xs)), ms(p90(xs)), ms(Math.min(...xs)), ms(Math.max(...xs)), first, note];
  return [
    row(`Argon2id, app worker, t = ${low}`, s.app[low].runsMs, ms(s.app[low].firstCallMs), 'slope end'),
    row(`Argon2id, app worker, t = ${high}`, s.app[high].runsMs, ms(s.app[high].firstCallMs), `per pass: ${ms(perPass(s.app))}`),
    row(`Argon2id, native, t = ${low}`, s.native[low].runsMs, ms(s.native[low].firstCallMs), 'slope end'),
    row(`Argon2id, native, t = ${high}`, s.native[high].runsMs, ms(s.native[high].firstCallMs), `per pass: ${ms(perPass(s.native))}`),
    row('Argon2id, app worker, build without SIMD', s.plain.runsMs, ms(s.plain.firstCallMs), 'worker/wasm/argon2.wasm, for engines without WASM SIMD'),
    row('Argon2id p = 4, app worker (one thread)', s.fourLanes.app.runsMs, ms(s.fourLanes.app.firstCallMs), 'not a target: the lanes are filled one after another'),
    row('Argon2id p = 4, native (4 threads)', s.fourLanes.native.runsMs, ms(s.fourLanes.native.firstCallMs), `not a target: ${fmt(median(s.fourLanes.native.runsMs) / median(s.fourLanes.app.runsMs), 2)}× the app's time here`),
    row('first call, new worker loading the WASM itself', s.firstCalls.coldSelfLoadMs, '–', 'worker start, fetch, compile, instantiate, hash'),
    row('first call, new worker given the kept module', s.firstCalls.coldKeptModuleMs, '–', 'as after the idle shutdown: worker start, instantiate, hash'),
    row('first call after prewarm()', s.firstCalls.afterPrewarmMs, '–', 'prewarm (PIN field focus), then the hash'),
  ];
}

export function argon2SpeedVerdicts(s: Argon2SpeedFigures, base: Argon2Baseline): Array<{ target: string; pass: boolean; measured: string }> {
  const slopeRatio = perPass(s.app) / perPass(s.native);
  const plainRatio = median(s.plain.runsMs) / median(base.nativeMs);
  const tagsAgree =
    SLOPE_PASSES.every((t) => s.app[t].tagHex === s.native[t].tagHex) &&
    s.fourLanes.app.tagHex === s.fourLanes.native.tagHex &&
    [s.plain.tagHex, ...s.firstCalls.tagsHex].every((tag) => tag === base.nativeTagHex);
  return [
    {
      target: `Argon2id per-pass cost (slope t = ${SLOPE_PASSES.join(' → ')}) ≤ ${ratio(ARGON2_SPEED_TARGETS.slopeMaxRatio)} native's`,
      pass: slopeRatio <= ARGON2_SPEED_TARGETS.slopeMaxRatio,
      measured: `${ratio(slopeRatio)} (${ms(perPass(s.app))} vs ${ms(perPass(s.native))} a pass)`,
    },
    {
      target: `Argon2id without SIMD ≤ ${ratio(ARGON2_SPEED_TARGETS.plainMaxRatio)} native (medians)`,
      pass: plainRatio <= ARGON2_SPEED_TARGETS.plainMaxRatio,
      measured: `${ratio(plainRatio)} (${ms(median(s.plain.runsMs))})`,
    },
    { target: 'Argon2id tags at t = 1, 6, p = 4, without SIMD and on every first call = native reference', pass: tagsAgree, measured: tagsAgree ? 'identical' : 'DIFFERENT' },
    {
      target: 'first call after prewarm ≤ a warm hash + 10 %',
      pass: median(s.firstCalls.afterPrewarmMs) <= median(base.appMs) * 1.1,
      measured: `${ms(median(s.firstCalls.afterPrewarmMs))} vs warm ${ms(median(base.appMs))}; cold with the kept module ${ms(median(s.firstCalls.coldKeptModuleMs))}, cold loading itself ${ms(median(s.firstCalls.coldSelfLoadMs))}`,
    },
  ];
}

/** The method sentence for BENCHMARKS.md. */
export const ARGON2_SPEED_METHOD =
  `Per-pass cost: the app worker and the native command at t = ${SLOPE_PASSES.join(' and ')}, the four interleaved call by call (one warm-up round, then the same runs), (median at t = ${SLOPE_PASSES[1]} − median at t = ${SLOPE_PASSES[0]}) / ${SLOPE_PASSES[1] - SLOPE_PASSES[0]}, which cancels the native process start-up. ` +
  'Without SIMD: the same client and worker handed worker/wasm/argon2.wasm. ' +
  'p = 4 (t = 3, same memory): the app worker fills the four lanes in turn on one thread; the native command runs four threads. ' +
  `First calls (${FIRST_CALLS} each): a new client whose worker fetches and compiles the WASM itself; a new worker handed the module the first one sent back (as after the idle shutdown); and \`prewarm()\` followed ${PREWARM_WAIT_MS} ms later by the hash.`;
