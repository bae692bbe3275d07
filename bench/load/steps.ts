/**
 * What the load generators send, written once for both of them: the closed-loop driver
 * (autocannon, closed-loop.ts) and the paced driver of the soak (node:http, open-loop.ts).
 *
 * A step is one HTTP request; a sequence is the steps of one user action that share a context
 * (a device sign-in is a challenge, then a signed sign-in that needs the challenge).
 */
import type { SeededDevice } from '../lib/seed-account';

/** A record a connection writes to, with the version it expects next. */
export interface RecordSlot {
  id: string;
  /** `kh_session=…` of a device session of the record's account; a secret, never printed. */
  cookie: string;
  /** The stored version (0: not created yet). */
  version: number;
}

/** What the steps of one sequence share, and nothing else: a fresh one per sequence run. */
export interface FlowContext {
  device?: SeededDevice;
  challenge?: string;
  slot?: RecordSlot;
}

/** One request as built just before it is sent. */
export interface BuiltRequest {
  path: string;
  /** Added to the defaults (`origin`, `content-type`). */
  headers?: Record<string, string>;
  body?: string;
}

export interface Step {
  /** The row it is counted under, e.g. `pull`. */
  kind: string;
  method: 'GET' | 'POST' | 'PUT';
  /** `undefined`: the flow cannot go on (an earlier step failed, already counted): skip to the next sequence. */
  build(ctx: FlowContext): BuiltRequest | undefined;
  /** Sees every reply (2xx or not) before the next step is built. */
  handle?(status: number, body: string, ctx: FlowContext): void;
}

export type Sequence = readonly Step[];

/** Headers every request carries: the server refuses a state-changing request without the app's Origin. */
export function defaultHeaders(origin: string): Record<string, string> {
  return { origin, 'content-type': 'application/json' };
}

/** Requests per run of the sequences, one after another. */
export const requestsIn = (sequences: readonly Sequence[]) => sequences.reduce((n, s) => n + s.length, 0);
