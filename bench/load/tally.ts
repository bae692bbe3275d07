/** Counting replies by kind of request: 2xx latencies, errors by status, and a few error bodies to explain them. */

/** Replies of one kind of request (e.g. `pull`): what a table row is made of. */
export class Tally {
  ok = 0;
  errors = 0;
  /** Latencies of 2xx replies, in milliseconds (fractional). */
  readonly latencies: number[] = [];
  /** Replies by status, plus `socket` for socket errors and timeouts. */
  readonly statusCodes: Record<string, number> = {};
  /** The first few error replies (status and the start of the body), never a cookie or a request. */
  readonly sampleErrors: string[] = [];

  reply(status: number, ms: number, body: string): void {
    this.statusCodes[status] = (this.statusCodes[status] ?? 0) + 1;
    if (status >= 200 && status < 300) {
      this.ok++;
      this.latencies.push(ms);
    } else {
      this.errors++;
      this.#sample(`${status} ${body.slice(0, 160)}`);
    }
  }

  failure(message: string): void {
    this.statusCodes.socket = (this.statusCodes.socket ?? 0) + 1;
    this.errors++;
    this.#sample(message);
  }

  #sample(text: string): void {
    if (this.sampleErrors.length < 3) this.sampleErrors.push(text);
  }
}

/** Tallies by kind, in the order kinds first answered. */
export class Tallies {
  readonly byKind = new Map<string, Tally>();

  of(kind: string): Tally {
    let tally = this.byKind.get(kind);
    if (!tally) this.byKind.set(kind, (tally = new Tally()));
    return tally;
  }

  /** Every kind together. */
  total(): Tally {
    const all = new Tally();
    for (const t of this.byKind.values()) {
      all.ok += t.ok;
      all.errors += t.errors;
      for (const x of t.latencies) all.latencies.push(x);
      for (const [code, n] of Object.entries(t.statusCodes)) all.statusCodes[code] = (all.statusCodes[code] ?? 0) + n;
      for (const s of t.sampleErrors) if (all.sampleErrors.length < 3) all.sampleErrors.push(s);
    }
    return all;
  }
}

/** What a table shows for one kind over one window. */
export interface Figures {
  ok: number;
  errors: number;
  /** 2xx replies per second over the window. */
  rps: number;
  /** Of 2xx replies, nearest rank; NaN when there were none. */
  p50: number;
  p99: number;
  statusCodes: Record<string, number>;
  sampleErrors: string[];
}

/** Nearest-rank percentile of unsorted values (sorts a copy). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function figuresOf(t: Tally, windowS: number): Figures {
  return {
    ok: t.ok,
    errors: t.errors,
    rps: windowS > 0 ? t.ok / windowS : 0,
    p50: percentile(t.latencies, 50),
    p99: percentile(t.latencies, 99),
    statusCodes: { ...t.statusCodes },
    sampleErrors: [...t.sampleErrors],
  };
}
