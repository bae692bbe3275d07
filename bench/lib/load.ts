import autocannon from 'autocannon';

/** What the load generator sends: a URL plus either one fixed request or a `requests` sequence. */
export type LoadSpec = Pick<autocannon.Options, 'url' | 'method' | 'headers' | 'body' | 'requests' | 'maxOverallRequests' | 'amount'>;

/** One run's figures. Latencies in milliseconds; `errors` counts non-2xx replies, socket errors and timeouts. */
export interface LoadFigures {
  /** 2xx replies per second over the run. */
  rps: number;
  /** Replies in the busiest one-second sample: what sizes a pool that must outlast a run. */
  peakRps: number;
  p50: number;
  p99: number;
  ok: number;
  errors: number;
  /** From the first reply to the last one (paced runs: autocannon's own duration). */
  durationS: number;
  /** Replies by status code, e.g. `{ "200": 51234 }`, to explain any error. */
  statusCodes: Record<string, number>;
}

export interface Timing {
  connections: number;
  warmupS: number;
  durationS: number;
  /** Length of an evenly paced (fixed-rate) run, where it differs from `durationS` (bench:server). */
  pacedS?: number;
}

/** Runs autocannon once and summarises it. */
export async function runLoad(spec: LoadSpec, opts: { connections: number; durationS: number; overallRate?: number }): Promise<LoadFigures> {
  // autocannon only notices the end of a run at its next 1 s tick, so its own duration can be up
  // to a second too long (and a pool-limited run's tail is idle): time the replies themselves.
  const window = { first: 0, last: 0 };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        ...spec,
        connections: opts.connections,
        duration: opts.durationS,
        timeout: 10,
        ...(opts.overallRate
          ? {
              overallRate: opts.overallRate,
              // autocannon's correction assumes a 1 ms expected interval whatever the rate and
              // invents samples for every reply slower than that; keep the measured latencies.
              ignoreCoordinatedOmission: true,
            }
          : {}),
      },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', () => {
      window.last = performance.now();
      window.first ||= window.last;
    });
  });
  // A paced run's last burst ends early in its last second: there, autocannon's duration is the right divisor.
  return summarise(result, opts.overallRate ? result.duration : (window.last - window.first) / 1000);
}

/** Warm-up, then the measured run at full speed (closed loop: each connection sends as soon as it has a reply). */
export async function measureMaxThroughput(spec: LoadSpec, timing: Timing): Promise<LoadFigures> {
  if (timing.warmupS > 0) await runLoad(spec, { connections: timing.connections, durationS: timing.warmupS });
  return runLoad(spec, { connections: timing.connections, durationS: timing.durationS });
}

function summarise(result: autocannon.Result, windowS: number): LoadFigures {
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    rps: windowS > 0 ? result['2xx'] / windowS : 0,
    peakRps: result.requests.max,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    errors: result.non2xx + result.errors,
    durationS: windowS,
    statusCodes,
  };
}
