import { Worker } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import type { PacedRequest } from '../lib/paced-load';

/** One stream of evenly spaced requests, open loop, starting `startS` after the run's start. */
export interface Offer {
  name: string;
  rate: number;
  durationS: number;
  startS: number;
  connections: number;
  windowS: number;
  request: PacedRequest;
}

export interface OverloadRun {
  url: string;
  offers: Offer[];
}

/** What happened to the requests due in one window of an offer. Latencies in ms, of accepted (2xx) replies only. */
export interface Window {
  startS: number;
  offered: number;
  accepted: number;
  /** 503 replies: the server refusing work (overloaded, or its database away). */
  shed: number;
  /** Any other status, and requests with no reply (socket errors, timeouts). */
  failed: number;
  p50: number;
  p99: number;
}

export interface OfferResult {
  name: string;
  windows: Window[];
  statusCodes: Record<string, number>;
  noReply: number;
  /** Bodies of accepted replies when the offer's request asks for them (a write's acknowledgement). */
  acceptedBodies: string[];
}

/**
 * Runs `runOverloadOffers` in a worker thread of its own (see bench/lib/paced-load.ts `runPaced`
 * for why): the generator's timers are not held up by the bench process.
 */
export function runOverload(run: OverloadRun & { keepBodies?: string }): Promise<OfferResult[]> {
  return new Promise((resolve, reject) => {
    const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    const entry = JSON.stringify(new URL('./windowed-worker.ts', import.meta.url).href);
    const worker = new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${entry}); })`, { eval: true, workerData: run, resourceLimits: { maxOldGenerationSizeMb: 8192 } });
    worker.once('message', (results: OfferResult[]) => resolve(results));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`overload worker exited with code ${code}`))));
  });
}

/**
 * Offers each stream's requests at their due times, whether or not earlier replies came back (an
 * open loop), each stream on its own connection pool, and sorts every reply into the window of
 * its due time. Latency runs from the due time to the end of the reply, so time spent waiting for
 * a free connection counts (no coordinated omission). `keepBodies`: the offer whose accepted
 * reply bodies are returned.
 */
export async function runOverloadOffers(run: OverloadRun & { keepBodies?: string }): Promise<OfferResult[]> {
  const start = performance.now() + 20;
  return Promise.all(run.offers.map((offer) => runOffer(run.url, offer, start, offer.name === run.keepBodies)));
}

async function runOffer(origin: string, offer: Offer, runStart: number, keepBodies: boolean): Promise<OfferResult> {
  const pool = new Pool(origin, { connections: offer.connections, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const windowCount = Math.max(1, Math.ceil(offer.durationS / offer.windowS));
  const tallies = Array.from({ length: windowCount }, () => ({
    offered: 0, accepted: 0, shed: 0, failed: 0,
    histogram: hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 }),
  }));
  const statusCodes: Record<string, number> = {};
  const acceptedBodies: string[] = [];
  let noReply = 0;
  const total = Math.max(1, Math.round(offer.rate * offer.durationS));
  const intervalMs = 1000 / offer.rate;
  const start = runStart + offer.startS * 1000;
  // A count, not the promises: at twice capacity for 60 s that is millions of requests.
  let outstanding = 0;
  let allSent = false;
  let drained = () => {};
  const settled = new Promise<void>((resolve) => (drained = resolve));
  const done = () => {
    outstanding--;
    if (allSent && outstanding === 0) drained();
  };

  const fire = (i: number, due: number) =>
    new Promise<void>((resolve) => {
      const tally = tallies[Math.min(windowCount - 1, Math.floor((i * intervalMs) / (offer.windowS * 1000)))]!;
      tally.offered++;
      let status: number | undefined;
      const chunks: Buffer[] = [];
      const { method, path, headers, body } = offer.request;
      pool.dispatch(
        { origin, method, path, headers, body },
        {
          onRequestStart: () => {},
          onResponseStart: (_controller, statusCode) => {
            status = statusCode;
          },
          onResponseData: (_controller, chunk) => {
            if (keepBodies) chunks.push(chunk);
          },
          onResponseEnd: () => {
            statusCodes[status!] = (statusCodes[status!] ?? 0) + 1;
            if (status! >= 200 && status! < 300) {
              tally.accepted++;
              tally.histogram.recordValue(Math.max(1, Math.round((performance.now() - due) * 1000)));
              if (keepBodies) acceptedBodies.push(Buffer.concat(chunks).toString('utf8'));
            } else if (status === 503) tally.shed++;
            else tally.failed++;
            resolve();
          },
          onResponseError: () => {
            noReply++;
            tally.failed++;
            resolve();
          },
        },
      );
    });

  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      const now = performance.now();
      for (; next < total && start + next * intervalMs <= now; next++) {
        outstanding++;
        void fire(next, start + next * intervalMs).then(done);
      }
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  allSent = true;
  if (outstanding > 0) await settled;
  await pool.close();

  const ms = (h: hdr.Histogram, p: number) => (h.totalCount === 0 ? Number.NaN : Math.round(h.getValueAtPercentile(p) / 100) / 10);
  const windows = tallies.map((t, i) => {
    const window = { startS: i * offer.windowS, offered: t.offered, accepted: t.accepted, shed: t.shed, failed: t.failed, p50: ms(t.histogram, 50), p99: ms(t.histogram, 99) };
    t.histogram.destroy();
    return window;
  });
  return { name: offer.name, windows, statusCodes, noReply, acceptedBodies };
}
