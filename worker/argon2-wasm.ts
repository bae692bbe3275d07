/**
 * Runs Keyhold's own WebAssembly builds of the Argon2 reference implementation
 * (worker/wasm/argon2-simd.wasm with 128-bit SIMD, worker/wasm/argon2.wasm without; built by
 * `npm run build:argon2`, see scripts/argon2/build.ts). A build imports nothing and exports its
 * memory, `malloc`/`free`, `argon2_ctx` and `argon2_error_message`; no JS glue is involved, so
 * only the WASM is compiled, which the CSP's `'wasm-unsafe-eval'` allows.
 */
import type { Argon2Params } from './argon2-protocol';

export { SIMD_PROBE, supportsWasmSimd } from './wasm-simd';

type Pointer = number;

/** The exports scripts/argon2/build.ts links in (names kept: they are the module's only ones). */
interface Argon2Exports {
  /** The linear memory; malloc grows it (`memory.grow`) for the Argon2 blocks. */
  readonly memory: WebAssembly.Memory;
  readonly malloc: (size: number) => Pointer;
  readonly free: (pointer: Pointer) => void;
  /** `argon2_ctx(context, type)`: hashes with everything in an `argon2_context`; 0 is ARGON2_OK. */
  readonly argon2_ctx: (context: Pointer, type: number) => number;
  /** `argon2_error_message(code)`: a NUL-terminated string in static memory. */
  readonly argon2_error_message: (code: number) => Pointer;
}

const EXPORTS = ['memory', 'malloc', 'free', 'argon2_ctx', 'argon2_error_message'] as const;
/** RFC 9106 §3.1: y = 2 is Argon2id. */
const ARGON2_ID = 2;
/** RFC 9106 §3.1: v = 0x13. */
const ARGON2_VERSION = 0x13;
/** argon2.h's ARGON2_FLAG_CLEAR_PASSWORD | ARGON2_FLAG_CLEAR_SECRET: libargon2 wipes P and K once it has absorbed them. */
const CLEAR_PASSWORD_AND_SECRET = 0b11;
/**
 * `argon2_context` (argon2.h) on wasm32: 18 fields of 4 bytes, in this order — out, outlen,
 * pwd, pwdlen, salt, saltlen, secret, secretlen, ad, adlen, t_cost, m_cost, lanes, threads,
 * version, allocate_cbk, free_cbk, flags.
 */
const CONTEXT_FIELDS = 18;
/** What `reserve` adds to the blocks for the allocations a hash makes before them. */
const RESERVE_SLACK_BYTES = 256 * 1024;

export interface Argon2idInput {
  /** P: the password (a PIN's bytes). Never logged; its copy in WASM memory is zeroed after use. */
  readonly password: Uint8Array;
  /** S: the salt. */
  readonly salt: Uint8Array;
  readonly params: Argon2Params;
  /** K: optional secret value (RFC 9106 §3.1); zeroed in WASM memory after use like P. */
  readonly secret?: Uint8Array;
  /** X: optional associated data (RFC 9106 §3.1). */
  readonly associatedData?: Uint8Array;
}

/** A failure from libargon2 (its own message, e.g. "Memory cost is too small") or from the WASM itself. */
export class Argon2WasmError extends Error {
  override readonly name = 'Argon2WasmError';
}

/** One instance of libargon2; hash calls run synchronously, one at a time. */
export interface Argon2Wasm {
  /** Returns the Argon2id tag T (RFC 9106 §3.2); throws Argon2WasmError. Never logs its input. */
  hashArgon2id(input: Argon2idInput): Uint8Array;
  /**
   * Grows the memory to hold `memoryKiB` of Argon2 blocks and writes it once, so that a hash
   * with that cost that follows pays for neither (about a third of a first hash at 64 MiB).
   * Best effort: if the memory cannot grow, the hash reports it.
   */
  reserve(memoryKiB: number): void;
  /** The instance's memory, for tests that check what is left in it. */
  readonly memory: WebAssembly.Memory;
}

/**
 * Instantiates a compiled build. `memory.grow` replaces the memory's buffer, so every access
 * takes a fresh view of it rather than keeping one.
 */
export async function instantiateArgon2(module: WebAssembly.Module): Promise<Argon2Wasm> {
  const instance = await WebAssembly.instantiate(module, {});
  const exports = instance.exports as Partial<Record<(typeof EXPORTS)[number], unknown>>;
  const missing = EXPORTS.filter((name) => exports[name] === undefined);
  if (missing.length) throw new Argon2WasmError(`Not a Keyhold Argon2 build (no export ${missing.join(', ')})`);
  const wasm = exports as unknown as Argon2Exports;
  const heap = (): Uint8Array => new Uint8Array(wasm.memory.buffer);

  function readCString(pointer: Pointer): string {
    const bytes = heap();
    const end = bytes.indexOf(0, pointer);
    return new TextDecoder().decode(bytes.subarray(pointer, end === -1 ? bytes.length : end));
  }

  function hashArgon2id({ password, salt, params, secret, associatedData }: Argon2idInput): Uint8Array {
    const { iterations: t, memoryKiB: m, parallelism: p, hashLength } = params;
    // Each entry: where, how many bytes, whether to zero them before freeing.
    const allocations: Array<{ pointer: Pointer; length: number; wipe: boolean }> = [];
    const allocate = (length: number, wipe: boolean): Pointer => {
      // malloc(0) may return NULL: an empty input still gets a byte.
      const pointer = wasm.malloc(Math.max(length, 1));
      if (pointer === 0) throw new Argon2WasmError('Out of WebAssembly memory');
      allocations.push({ pointer, length, wipe });
      return pointer;
    };
    const copyIn = (bytes: Uint8Array, wipe: boolean): Pointer => {
      const pointer = allocate(bytes.length, wipe);
      heap().set(bytes, pointer);
      return pointer;
    };
    try {
      const pwd = copyIn(password, true);
      const saltPointer = copyIn(salt, false);
      const secretPointer = secret ? copyIn(secret, true) : 0;
      const adPointer = associatedData ? copyIn(associatedData, false) : 0;
      const tag = allocate(hashLength, true);
      const context = allocate(CONTEXT_FIELDS * 4, false);
      // wasm32 is little-endian, as is every engine that runs it; the struct is 4-byte aligned (malloc gives 16).
      new Uint32Array(wasm.memory.buffer, context, CONTEXT_FIELDS).set([
        tag, hashLength,
        pwd, password.length,
        saltPointer, salt.length,
        secretPointer, secret?.length ?? 0,
        adPointer, associatedData?.length ?? 0,
        t, m, p, 1, // one thread: this build has none (ARGON2_NO_THREADS); p lanes are filled in turn
        ARGON2_VERSION,
        0, 0, // allocate_cbk, free_cbk: libargon2's malloc/free
        CLEAR_PASSWORD_AND_SECRET,
      ]);
      const result = wasm.argon2_ctx(context, ARGON2_ID);
      if (result !== 0) throw new Argon2WasmError(readCString(wasm.argon2_error_message(result)));
      return heap().slice(tag, tag + hashLength);
    } catch (failure) {
      if (failure instanceof Argon2WasmError) throw failure;
      // A trap (WebAssembly.RuntimeError) or a missing memory: its message names no input.
      throw new Argon2WasmError(failure instanceof Error ? failure.message : 'Argon2 failed', { cause: failure });
    } finally {
      for (const { pointer, length, wipe } of allocations) {
        if (wipe) heap().fill(0, pointer, pointer + length);
        try {
          wasm.free(pointer);
        } catch {
          // After a trap the allocator may be broken; the worker drops this instance anyway.
        }
      }
    }
  }

  function reserve(memoryKiB: number): void {
    // A little over the blocks: the hash's own small allocations come first.
    const length = memoryKiB * 1024 + RESERVE_SLACK_BYTES;
    const pointer = wasm.malloc(length);
    if (pointer === 0) return;
    // Zeroing makes the engine and the OS back every page now rather than on Argon2's first write.
    heap().fill(0, pointer, pointer + length);
    wasm.free(pointer);
  }

  return { hashArgon2id, reserve, memory: wasm.memory };
}
