import http from 'node:http';
import type { FlowContext, Sequence, Step } from './steps';
import { Tallies } from './tally';

/** How long one request may take before it counts as an error (autocannon's default, as in the closed-loop runs). */
const REQUEST_TIMEOUT_MS = 10_000;
/** How often the pacer looks at the clock. */
const TICK_MS = 2;

export interface OpenLoopOptions {
  /** Sequences started per second, evenly spaced, whatever the replies do (open loop). */
  sequencesPerS: number;
  durationS: number;
  /** Called at the end of every interval of `intervalS` with what completed in it; the last one also gets what completed after the run, while draining. */
  onInterval(index: number, tallies: Tallies): void;
  intervalS: number;
}

export interface OpenLoopResult {
  /** Every reply of the run, by kind. */
  totals: Tallies;
  /** Sequences started, and those still unfinished when the drain gave up (counted as errors). */
  started: number;
  abandoned: number;
  /** The pacer's worst delay behind schedule, in ms: large values mean the generator, not the server, set the pace. */
  maxLagMs: number;
  /** From the first arrival to the last reply. */
  elapsedS: number;
}

/**
 * The soak's generator: starts sequence `i % sequences.length` at `i / sequencesPerS` seconds,
 * however long earlier ones take, over keep-alive node:http connections (up to 64). A request's
 * latency runs from the moment it is issued (waiting for a free connection included) to its last byte.
 */
export async function runOpenLoop(baseUrl: string, headers: Record<string, string>, sequences: readonly Sequence[], opts: OpenLoopOptions): Promise<OpenLoopResult> {
  const { hostname, port } = new URL(baseUrl);
  // FIFO keeps every pooled connection in use, so none sits idle until the server's keep-alive
  // timeout (5 s) closes it just as a request is written to it: Node's client does not retry that
  // race (a browser would), and it would show as a socket error that is not the server's.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64, scheduling: 'fifo' });
  const totals = new Tallies();
  let interval = new Tallies();
  let intervalIndex = 0;
  let inFlight = 0;
  let started = 0;
  let maxLagMs = 0;

  const send = (step: Step, ctx: FlowContext): Promise<boolean> => {
    const built = step.build(ctx);
    if (!built) return Promise.resolve(false);
    const issued = performance.now();
    return new Promise<boolean>((resolve) => {
      const count = (status: number, body: string) => {
        const ms = performance.now() - issued;
        totals.of(step.kind).reply(status, ms, body);
        interval.of(step.kind).reply(status, ms, body);
        step.handle?.(status, body, ctx);
        resolve(status >= 200 && status < 300);
      };
      const fail = (error: NodeJS.ErrnoException) => {
        const what = `${error.code ?? 'error'}: ${error.message} (${step.method} after ${Math.round(performance.now() - issued)} ms)`;
        totals.of(step.kind).failure(what);
        interval.of(step.kind).failure(what);
        resolve(false);
      };
      const requestHeaders: Record<string, string | number> = { ...headers, ...built.headers };
      if (built.body !== undefined) requestHeaders['content-length'] = Buffer.byteLength(built.body);
      const req = http.request({ hostname, port, method: step.method, path: built.path, headers: requestHeaders, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => count(res.statusCode ?? 0, body));
        res.on('error', fail);
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('request timed out')));
      req.on('error', fail);
      req.end(built.body);
    });
  };

  const runSequence = async (sequence: Sequence) => {
    inFlight++;
    const ctx: FlowContext = {};
    for (const step of sequence) {
      // A failed step (counted) ends its flow, as in the closed-loop runs: a sign-in without its challenge cannot go on.
      if (!(await send(step, ctx))) break;
    }
    inFlight--;
  };

  const t0 = performance.now();
  const closeInterval = () => {
    opts.onInterval(intervalIndex++, interval);
    interval = new Tallies();
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsedS = (performance.now() - t0) / 1000;
      const due = Math.min(Math.floor(elapsedS * opts.sequencesPerS) + 1, Math.ceil(opts.durationS * opts.sequencesPerS));
      if (due > started) maxLagMs = Math.max(maxLagMs, (elapsedS - started / opts.sequencesPerS) * 1000);
      while (started < due) void runSequence(sequences[started++ % sequences.length]!);
      // Boundaries inside the run close their interval here; the last one closes after the drain.
      while ((intervalIndex + 1) * opts.intervalS <= Math.min(elapsedS, opts.durationS - 1e-9)) closeInterval();
      if (elapsedS >= opts.durationS) resolve();
      else setTimeout(tick, TICK_MS);
    };
    tick();
  });

  // Let what is in flight finish (each request has its own timeout), then close the last interval.
  const drainDeadline = performance.now() + REQUEST_TIMEOUT_MS * 2 + 1000;
  while (inFlight > 0 && performance.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const abandoned = inFlight;
  for (let i = 0; i < abandoned; i++) totals.of('unfinished at the end').failure('still in flight after the drain');
  const elapsedS = (performance.now() - t0) / 1000;
  closeInterval();
  agent.destroy();
  return { totals, started, abandoned, maxLagMs, elapsedS };
}
