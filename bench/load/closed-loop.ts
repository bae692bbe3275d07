import os from 'node:os';
import autocannon from 'autocannon';
import { cpuPressureSince, cpuPressureUs } from './cpu-pressure';
import type { Sequence } from './steps';
import { figuresOf, Tallies, type Figures } from './tally';

/** One closed-loop run: figures by kind, all kinds together, and its window. */
export interface ClosedLoopResult {
  byKind: Map<string, Figures>;
  total: Figures;
  /** From the first reply to the last, in seconds: the divisor of every rps. */
  windowS: number;
  /** The machine's 1-minute load average as the run began: other work on the machine shows here. */
  loadAverage: number;
  /** Share of the run during which some task waited for a CPU (/proc/pressure/cpu), 0–1; NaN where unknown. */
  cpuPressure: number;
}

/** Counted under this kind: socket errors and timeouts, which autocannon does not tie to a request. */
export const SOCKET_KIND = 'socket errors and timeouts';

/**
 * Runs the sequences in a loop on every connection (autocannon, keep-alive, no pipelining): each
 * connection sends its next request as soon as it has the previous reply. Latencies are measured
 * per request from its write to its last byte, in fractional milliseconds, 2xx replies only.
 */
export async function runClosedLoop(
  url: string,
  headers: Record<string, string>,
  sequences: readonly Sequence[],
  opts: { connections: number; durationS: number },
): Promise<ClosedLoopResult> {
  const loadAverage = Math.round(os.loadavg()[0]! * 100) / 100;
  const pressureMark = { us: cpuPressureUs(), at: performance.now() };
  const tallies = new Tallies();
  // autocannon calls a request's onResponse and then, synchronously, emits `response` with the
  // latency: `last` carries the kind and body from one to the other.
  const last = { kind: '', body: '' };
  const requests: autocannon.Request[] = sequences.flatMap((sequence) =>
    sequence.map((step) => ({
      method: step.method,
      setupRequest: (request: autocannon.Request, context: object) => {
        const built = step.build(context);
        // autocannon then restarts the cycle at its first request: the flow is dropped, its failed step already counted.
        if (!built) return undefined as unknown as autocannon.Request;
        return { ...request, path: built.path, headers: { ...request.headers, ...built.headers }, ...(built.body === undefined ? {} : { body: built.body }) };
      },
      onResponse: (status: number, body: string, context: object) => {
        last.kind = step.kind;
        last.body = status >= 300 ? body : '';
        step.handle?.(status, body, context);
      },
    })),
  );

  const window = { first: 0, last: 0 };
  await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url, headers, requests, connections: opts.connections, duration: opts.durationS, timeout: 10 },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      window.last = performance.now();
      window.first ||= window.last;
      tallies.of(last.kind).reply(status, ms, last.body);
    });
    instance.on('reqError', (error: Error) => tallies.of(SOCKET_KIND).failure(error.message));
  });

  const cpuPressure = cpuPressureSince(pressureMark);
  const windowS = (window.last - window.first) / 1000;
  const byKind = new Map<string, Figures>();
  for (const [kind, tally] of tallies.byKind) byKind.set(kind, figuresOf(tally, windowS));
  return { byKind, total: figuresOf(tallies.total(), windowS), windowS, loadAverage, cpuPressure };
}

/** A warm-up run (discarded), then the measured one. */
export async function measureClosedLoop(
  url: string,
  headers: Record<string, string>,
  sequences: readonly Sequence[],
  timing: { connections: number; warmupS: number; durationS: number },
): Promise<ClosedLoopResult> {
  if (timing.warmupS > 0) await runClosedLoop(url, headers, sequences, { connections: timing.connections, durationS: timing.warmupS });
  return runClosedLoop(url, headers, sequences, { connections: timing.connections, durationS: timing.durationS });
}
