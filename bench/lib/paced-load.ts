import { Worker } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import type { LoadFigures } from './load';

/** One request of a paced run: what undici sends on a pooled keep-alive connection. */
export interface PacedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface PacedRun {
  url: string;
  rate: number;
  durationS: number;
  connections: number;
  /** Request i is `requests[i % requests.length]`: one for a repeated GET, one per request for pre-signed sign-ins. */
  requests: PacedRequest[];
  /** Sent first at the same rate and not recorded, while the worker's code warms up (e.g. a cheap GET). */
  warmup?: { request: PacedRequest; seconds: number };
}

/**
 * `generatePacedLoad` in a worker thread of its own: its timers and replies are not held up by
 * this process's other work or by its garbage collector, whose heap holds the pre-signed pools and
 * earlier runs' results, and whose pauses would otherwise count as the server's latency.
 */
export function runPaced(run: PacedRun): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    // A worker does not get the bench's `--import tsx` loader: register tsx in it, then load the TypeScript entry.
    const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    const entry = JSON.stringify(new URL('./paced-worker.ts', import.meta.url).href);
    const worker = new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${entry}); })`, { eval: true, workerData: run });
    worker.once('message', (figures: LoadFigures) => resolve(figures));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`paced load worker exited with code ${code}`))));
  });
}

/**
 * Offers `rate` requests per second, evenly spaced, for `durationS` seconds — an open loop: a
 * request leaves at its time whether or not earlier replies have come back (waiting for a free
 * connection if all `connections` are busy). Each latency runs from the request's scheduled time
 * to the end of its reply, so a stall in the server (or in this process) counts against every
 * request that was due during it rather than hiding it (no coordinated omission).
 *
 * This is what "latency at half load" means: autocannon's `overallRate` sends each second's share
 * in a burst as fast as replies come, which is closed-loop full load for part of every second.
 * Timers here fire with ~1 ms granularity, so requests due within the same millisecond leave
 * together; latencies are recorded in microseconds.
 */
export async function generatePacedLoad(opts: PacedRun): Promise<LoadFigures> {
  const pool = new Pool(opts.url, { connections: opts.connections, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 });
  try {
    // A fresh worker's code is cold: offer the warm-up request at the same rate first, unrecorded.
    if (opts.warmup) await offer(pool, opts.url, opts.rate, Math.round(opts.rate * opts.warmup.seconds), () => opts.warmup!.request, () => {});
    const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    const statusCodes: Record<string, number> = {};
    const perSecond = new Map<number, number>();
    let ok = 0;
    let errors = 0;
    let lastReply = 0;
    const total = Math.max(1, Math.round(opts.rate * opts.durationS));
    const started = await offer(pool, opts.url, opts.rate, total, (i) => opts.requests[i % opts.requests.length]!, (due, done, statusCode) => {
      if (statusCode === undefined) {
        errors++;
        return;
      }
      histogram.recordValue(Math.max(1, Math.round((done - due) * 1000)));
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) ok++;
      else errors++;
      const second = Math.floor(done / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      lastReply = done;
    });
    const durationS = Math.max(lastReply - started, (total * 1000) / opts.rate) / 1000;
    const percentile = (p: number) => Math.round(histogram.getValueAtPercentile(p) / 100) / 10; // µs → ms, one decimal
    const figures: LoadFigures = { rps: ok / durationS, peakRps: Math.max(0, ...perSecond.values()), p50: percentile(50), p99: percentile(99), ok, errors, durationS, statusCodes };
    histogram.destroy();
    return figures;
  } finally {
    await pool.close();
  }
}

/**
 * Sends `total` requests at `rate` per second from a start a few milliseconds away, each at its
 * due time or as soon after as a timer fires, and resolves once every reply is in. `onReply` gets
 * the due time, the time the reply ended and its status (undefined: no reply). Returns the start.
 */
async function offer(pool: Pool, origin: string, rate: number, total: number, requestAt: (i: number) => PacedRequest, onReply: (due: number, done: number, statusCode: number | undefined) => void): Promise<number> {
  // `dispatch` with a bare handler rather than `request`: no stream per reply, so the generator
  // keeps up with the bare route's half load on the same two cores.
  const fire = (i: number, due: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const { method, path, headers, body } = requestAt(i);
      let status: number | undefined;
      pool.dispatch(
        { origin, method, path, headers, body },
        {
          onRequestStart: () => {}, // marks the handler as undici's current handler API
          onResponseStart: (_controller, statusCode) => {
            status = statusCode;
          },
          onResponseData: () => {},
          onResponseEnd: () => {
            onReply(due, performance.now(), status);
            resolve();
          },
          onResponseError: () => {
            onReply(due, performance.now(), undefined);
            resolve();
          },
        },
      );
    });

  const intervalMs = 1000 / rate;
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now() + 10;
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      const now = performance.now();
      for (; next < total && start + next * intervalMs <= now; next++) inFlight.push(fire(next, start + next * intervalMs));
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
    };
    setTimeout(tick, 10);
  });
  await Promise.all(inFlight);
  return start;
}
