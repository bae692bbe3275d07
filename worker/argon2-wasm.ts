/**
 * Runs argon2-browser's WebAssembly builds of libargon2 (dist/argon2.wasm, and dist/argon2-simd.wasm
 * built with 128-bit SIMD) without its Emscripten glue. The glue (dist/argon2.js) is a classic
 * script that communicates through a global `Module`, sniffs Node and reaches for `require`,
 * `XMLHttpRequest` and `importScripts`, none of which belongs in a module worker; the binary
 * itself needs only the two imports below. No JS is evaluated: only the WASM is compiled, which
 * the CSP's `'wasm-unsafe-eval'` allows.
 *
 * Written against argon2-browser 1.18.0: both builds have the same minified import and export
 * names, which dist/argon2.js maps as listed in `Argon2Exports`. worker/argon2.test.ts runs the
 * RFC 9106 vector through both, so a release that renames them fails there first.
 */
import type { Argon2Params } from './argon2-protocol';

/**
 * The smallest module that uses a WASM SIMD instruction added late to the proposal (the probe
 * wasm-feature-detect uses), so an engine with only an early SIMD prototype answers "no":
 *
 *   (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt))
 */
export const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: one type, () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x0a, 0x01, 0x08, 0x00, // code section: one body of 8 bytes, no locals
  0x41, 0x00, // i32.const 0
  0xfd, 0x0f, // i8x16.splat
  0xfd, 0x62, // i8x16.popcnt
  0x0b, // end
]);

/** True when this engine runs WASM SIMD, i.e. can run dist/argon2-simd.wasm. */
export function supportsWasmSimd(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

type Pointer = number;

/** The instance's exports under the names dist/argon2.js gives them. */
interface Argon2Exports {
  /** The linear memory, exported (not imported): it starts at 16 MiB and grows through import `b`. */
  readonly c: WebAssembly.Memory;
  /** `__wasm_call_ctors`: the glue runs it once before anything else. */
  readonly d: () => void;
  /** `malloc`. */
  readonly f: (size: number) => Pointer;
  /** `free`. */
  readonly g: (pointer: Pointer) => void;
  /** `argon2_error_message(code)`: a NUL-terminated string in static memory. */
  readonly i: (code: number) => Pointer;
  /** `argon2_encodedlen(t, m, p, saltlen, hashlen, type)`. */
  readonly j: (t: number, m: number, p: number, saltLength: number, hashLength: number, type: number) => number;
  /**
   * `argon2_hash_ext(t, m, p, pwd, pwdlen, salt, saltlen, hash, hashlen, encoded, encodedlen,
   * type, secret, secretlen, ad, adlen, version)`: libargon2's `argon2_hash` with the secret K and
   * associated data X of RFC 9106 §3.1 added by argon2-browser. Returns 0 (ARGON2_OK) or an error code.
   */
  readonly l: (...args: number[]) => number;
}

const EXPORTS = ['c', 'd', 'f', 'g', 'i', 'j', 'l'] as const;
const WASM_PAGE_BYTES = 64 * 1024;
/** The glue's cap: 2 GiB less one page, the most a 32-bit heap can address from JS. */
const MAX_HEAP_BYTES = 2 * 1024 * 1024 * 1024 - WASM_PAGE_BYTES;
/** RFC 9106 §3.1: y = 2 is Argon2id. */
const ARGON2_ID = 2;
/** RFC 9106 §3.1: v = 0x13. */
const ARGON2_VERSION = 0x13;

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
  /** The instance's memory, for tests that check what is left in it. */
  readonly memory: WebAssembly.Memory;
}

/**
 * Instantiates a compiled argon2-browser build. `memory.grow` replaces the memory's buffer, so
 * every access takes a fresh view of it rather than keeping one.
 */
export async function instantiateArgon2(module: WebAssembly.Module): Promise<Argon2Wasm> {
  let memory: WebAssembly.Memory | undefined;
  const heap = (): Uint8Array => new Uint8Array(memory!.buffer);
  const imports = {
    a: {
      // emscripten_memcpy_big(dest, src, num): memcpy of large blocks, done by the host.
      a: (dest: Pointer, src: Pointer, num: number): void => {
        heap().copyWithin(dest, src, src + num);
      },
      // emscripten_resize_heap(requestedSize): grow the memory so malloc can succeed; 0 makes malloc return NULL.
      b: (requestedSize: number): number => {
        const requested = requestedSize >>> 0;
        const current = memory!.buffer.byteLength;
        if (requested > MAX_HEAP_BYTES) return 0;
        try {
          memory!.grow(Math.ceil((requested - current) / WASM_PAGE_BYTES));
          return 1;
        } catch {
          return 0;
        }
      },
    },
  };
  const instance = await WebAssembly.instantiate(module, imports);
  const exports = instance.exports as Partial<Record<(typeof EXPORTS)[number], unknown>>;
  const missing = EXPORTS.filter((name) => exports[name] === undefined);
  if (missing.length) throw new Argon2WasmError(`Not an argon2-browser 1.18 build (no export ${missing.join(', ')})`);
  const wasm = exports as unknown as Argon2Exports;
  memory = wasm.c;
  wasm.d();

  /** Copies `bytes` into a fresh allocation (with a NUL after it, as argon2-browser does). */
  function copyIn(bytes: Uint8Array): Pointer {
    const pointer = wasm.f(bytes.length + 1);
    if (pointer === 0) throw new Argon2WasmError('Out of WebAssembly memory');
    heap().set(bytes, pointer);
    heap()[pointer + bytes.length] = 0;
    return pointer;
  }

  function readCString(pointer: Pointer): string {
    const bytes = heap();
    const end = bytes.indexOf(0, pointer);
    return new TextDecoder().decode(bytes.subarray(pointer, end === -1 ? bytes.length : end));
  }

  function hashArgon2id({ password, salt, params, secret, associatedData }: Argon2idInput): Uint8Array {
    const { iterations: t, memoryKiB: m, parallelism: p, hashLength } = params;
    // Each entry: where, how many bytes, whether to zero them before freeing.
    const allocations: Array<{ pointer: Pointer; length: number; wipe: boolean }> = [];
    const allocate = (bytes: Uint8Array, wipe: boolean): Pointer => {
      const pointer = copyIn(bytes);
      allocations.push({ pointer, length: bytes.length + 1, wipe });
      return pointer;
    };
    try {
      const pwd = allocate(password, true);
      const saltPointer = allocate(salt, false);
      const secretPointer = secret ? allocate(secret, true) : 0;
      const adPointer = associatedData ? allocate(associatedData, false) : 0;
      const tag = allocate(new Uint8Array(hashLength), true);
      // libargon2 also writes the PHC string form; we do not use it, but it needs the room.
      const encodedLength = wasm.j(t, m, p, salt.length, hashLength, ARGON2_ID);
      const encoded = allocate(new Uint8Array(encodedLength), true);
      const result = wasm.l(t, m, p, pwd, password.length, saltPointer, salt.length, tag, hashLength, encoded, encodedLength, ARGON2_ID, secretPointer, secret?.length ?? 0, adPointer, associatedData?.length ?? 0, ARGON2_VERSION);
      if (result !== 0) throw new Argon2WasmError(readCString(wasm.i(result)));
      return heap().slice(tag, tag + hashLength);
    } catch (failure) {
      if (failure instanceof Argon2WasmError) throw failure;
      // A trap (WebAssembly.RuntimeError) or a missing memory: its message names no input.
      throw new Argon2WasmError(failure instanceof Error ? failure.message : 'Argon2 failed', { cause: failure });
    } finally {
      for (const { pointer, length, wipe } of allocations) {
        if (wipe) heap().fill(0, pointer, pointer + length);
        try {
          wasm.g(pointer);
        } catch {
          // After a trap the allocator may be broken; the worker drops this instance anyway.
        }
      }
    }
  }

  return { hashArgon2id, memory: wasm.c };
}
