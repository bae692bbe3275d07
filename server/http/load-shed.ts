import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorBody } from '../../protocol/errors';
import type { Logger } from './logger';

/** When the server refuses new requests rather than queue them (`SHED_MAX_IN_FLIGHT`, `SHED_MAX_LAG_MS`). */
export interface LoadShedSettings {
  /** Requests in progress at once (headers read, reply not yet sent) beyond which a new one is refused. */
  maxInFlight: number;
  /** How far behind the event loop may run, in milliseconds, before new requests are refused. */
  maxLagMs: number;
}

/** What a shed request is told: try again after this many seconds (`Retry-After`). */
export const SHED_RETRY_AFTER_SECONDS = 1;

/** How often the loop watcher's timer is due; a turn longer than this plus the bound counts as lag. */
const LAG_TICK_MS = 5;

/**
 * How far behind the event loop runs right now. On SQLite a request's handler finishes within the
 * turn that read it, so the count of requests in flight stays near 1 however many wait in the
 * socket buffers: the backlog shows only as long turns of the loop. `behindMs` is measured live —
 * the time since the loop last reached its timers, beyond the tick — so a request read late in a
 * long turn sees that turn's length (node's `monitorEventLoopDelay` reports a turn only once the
 * next timer has fired, one turn too late for the requests read during it).
 *
 * Only a turn long with this process's own work counts: the lag is the smaller of the wall time
 * and the CPU time the process used since that tick. A process that merely waited for a CPU (a
 * machine shared with other work) has fallen behind through no backlog of its own, and refusing
 * its few requests would not help; the CPU clock is read only once the wall clock says behind.
 *
 * And only a lag that lasts: `behindMs` is the smaller of the current turn's lag and the previous
 * turn's. One long turn after calm ones — a garbage collection, a checkpoint, the requests that
 * queued behind either — is a stall the loop works off by itself; refusing the requests read in it
 * refused 5 of 9,000 device sign-ins paced at 300/s on SQLite (bench:server), a load the server
 * carries at a quarter of its capacity. Under overload every turn is long, so the second one sheds.
 */
export interface EventLoopLag {
  /** How far behind the loop runs now, counted only when the previous turn ran behind as well. */
  behindMs(): number;
  /** The previous completed turn's lag (0 when it reached its timers in time). */
  lastTurnMs(): number;
  stop(): void;
}

/** The clocks the watcher reads, in milliseconds: wall time and this process's CPU time. */
export interface LagClocks {
  now(): number;
  cpu(): number;
}

const processClocks: LagClocks = {
  now: () => performance.now(),
  cpu: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
};

/** Calls `tick` every LAG_TICK_MS on an unref'd timer; returns the function that stops it. */
function everyTick(tick: () => void): () => void {
  const timer = setInterval(tick, LAG_TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Starts watching the event loop (one unref'd timer; tests pass clocks and a ticker they drive). */
export function watchEventLoopLag(clocks: LagClocks = processClocks, schedule: (tick: () => void) => () => void = everyTick): EventLoopLag {
  let lastTick = clocks.now();
  let lastTickCpu = clocks.cpu();
  let lastTurn = 0;
  /** The lag of the turn running since the last tick, so far. */
  const currentTurn = (): number => {
    const wall = clocks.now() - lastTick - LAG_TICK_MS;
    return wall <= 0 ? 0 : Math.max(0, Math.min(wall, clocks.cpu() - lastTickCpu - LAG_TICK_MS));
  };
  const stop = schedule(() => {
    lastTurn = currentTurn();
    lastTick = clocks.now();
    lastTickCpu = clocks.cpu();
  });
  return {
    behindMs: () => (lastTurn === 0 ? 0 : Math.min(currentTurn(), lastTurn)),
    lastTurnMs: () => lastTurn,
    stop,
  };
}

/** The fixed reply to a shed request: `503 overloaded` with `Retry-After` and the JSON error body. */
export function shedReply(): { status: 503; body: Buffer; headers: Record<string, string> } {
  const body = Buffer.from(JSON.stringify({ error: { code: 'overloaded', message: 'The server is busy. Try again in a moment.', retryAfterSeconds: SHED_RETRY_AFTER_SECONDS } } satisfies ErrorBody));
  const headers = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'retry-after': String(SHED_RETRY_AFTER_SECONDS),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  return { status: 503, body, headers };
}

/** A node request listener, as `@hono/node-server` hands one to the server it creates. */
type RequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Load shedding in front of the API, at the HTTP server itself: a request to /api/ arriving while
 * `maxInFlight` others are in progress (headers read, reply not yet finished), or while the event
 * loop runs more than `maxLagMs` behind, is answered at once with `503 overloaded`, `Retry-After`
 * and the JSON error body, before the app sees it — so a shed request has changed nothing, and
 * no acknowledged write is ever lost to shedding. Without it, work offered beyond capacity queues
 * without bound and every request, accepted or not, waits seconds.
 *
 * Why here and not as a Hono middleware: a refusal must cost much less than the work it saves,
 * or a server at twice its capacity cannot refuse fast enough either. A fixed reply written on the
 * node response skips the Request and Response objects, routing and the request log: in one run
 * on a shared 2-core machine it answered 2–4× as many requests per second as the same 503 from a
 * middleware, which cost about what `GET /api/health` does. Shed requests are not logged one by
 * one: one line per second at most gives the count.
 */
export function shedLoad(listener: RequestListener, settings: LoadShedSettings, deps: { log: Logger; lag?: EventLoopLag }): RequestListener {
  let inFlight = 0;
  let shedSinceLog = 0;
  let lastLog = 0;
  const { body, headers } = shedReply();
  const release = () => {
    inFlight--;
  };
  return (req, res) => {
    const overloaded = inFlight >= settings.maxInFlight || (deps.lag !== undefined && deps.lag.behindMs() > settings.maxLagMs);
    if (overloaded && req.url?.startsWith('/api/')) {
      shedSinceLog++;
      const now = Date.now();
      if (now - lastLog >= 1000) {
        deps.log.warn('shedding_load', { shed: shedSinceLog, inFlight, lagMs: Math.round(deps.lag?.behindMs() ?? 0) });
        shedSinceLog = 0;
        lastLog = now;
      }
      req.resume(); // read and drop a body, so the connection stays usable for the client's next request
      res.writeHead(503, headers).end(body);
      return;
    }
    inFlight++;
    res.once('close', release);
    return listener(req, res);
  };
}
