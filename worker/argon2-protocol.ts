/**
 * Messages between the main thread and worker/argon2.worker.ts. The hash is always Argon2id
 * version 0x13 (RFC 9106); only the cost parameters travel.
 */

/** Argon2id cost parameters, named after RFC 9106 §3.1. */
export interface Argon2Params {
  /** m: memory size in KiB. */
  readonly memoryKiB: number;
  /** t: number of passes over the memory. */
  readonly iterations: number;
  /** p: degree of parallelism (lanes). */
  readonly parallelism: number;
  /** T: tag length in bytes. */
  readonly hashLength: number;
}

export interface Argon2Request {
  /** Pairs a response with its request; unique per worker. */
  readonly id: number;
  /** The secret input P (a PIN's bytes); the worker zeroes its copy after use. */
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly params: Argon2Params;
}

/**
 * Asks the worker to get its WASM ready before a hash arrives (Argon2Client.prewarm, or a new
 * worker when the main thread kept a compiled module). `module` is a compiled build an earlier
 * worker sent back; without it the worker fetches and compiles one itself.
 */
export interface Argon2LoadRequest {
  readonly type: 'load';
  readonly module?: WebAssembly.Module;
  /**
   * The memory cost of the hash expected next (m, KiB): the worker grows and touches that much
   * WASM memory while the user types, instead of during the hash.
   */
  readonly memoryKiB?: number;
}

/**
 * The worker's compiled WASM, sent to the main thread once after the worker compiled it itself,
 * so that later workers can be handed it (a `WebAssembly.Module` is code, no secret).
 */
export interface Argon2ModuleMessage {
  readonly type: 'module';
  readonly module: WebAssembly.Module;
}

/** A failure names no input: the password is never echoed back, not even in a message. */
export type Argon2Response =
  | { readonly id: number; readonly ok: true; readonly hash: Uint8Array }
  | { readonly id: number; readonly ok: false; readonly code: 'argon2_failed'; readonly message: string };

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** The worker's boundary check: anything else posted to it is answered with `argon2_failed`. */
export function isArgon2Request(value: unknown): value is Argon2Request {
  if (typeof value !== 'object' || value === null) return false;
  const { id, password, salt, params } = value as Record<string, unknown>;
  if (!isPositiveInteger(id) || !(password instanceof Uint8Array) || !(salt instanceof Uint8Array)) return false;
  if (typeof params !== 'object' || params === null) return false;
  const { memoryKiB, iterations, parallelism, hashLength } = params as Record<string, unknown>;
  return [memoryKiB, iterations, parallelism, hashLength].every(isPositiveInteger);
}

/** True for a load request; a `module` that is not a compiled module is ignored by the worker. */
export function isArgon2LoadRequest(value: unknown): value is Argon2LoadRequest {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'load';
}
