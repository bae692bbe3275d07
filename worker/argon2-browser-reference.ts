/**
 * argon2-browser 1.18's prebuilt WebAssembly (dist/argon2.wasm, dist/argon2-simd.wasm), run
 * without its Emscripten glue: the independent build that worker/argon2.test.ts checks our own
 * builds' tags against. The app no longer ships it (docs/architecture.md says why); its glue
 * (dist/argon2.js) is not used because in Node it fetches the file by path and installs
 * process-wide handlers.
 *
 * The binaries' minified names, as dist/argon2.js maps them: imports a.a `emscripten_memcpy_big`
 * and a.b `emscripten_resize_heap`; exports c (memory), d (`__wasm_call_ctors`), f/g
 * (malloc/free), i (`argon2_error_message`), j (`argon2_encodedlen`) and l (`argon2_hash_ext`,
 * libargon2's `argon2_hash` with the secret K and associated data X of RFC 9106 §3.1 added).
 */
import type { Argon2idInput } from './argon2-wasm';

type Pointer = number;
interface ArgonBrowserExports {
  readonly c: WebAssembly.Memory;
  readonly d: () => void;
  readonly f: (size: number) => Pointer;
  readonly g: (pointer: Pointer) => void;
  readonly i: (code: number) => Pointer;
  readonly j: (t: number, m: number, p: number, saltLength: number, hashLength: number, type: number) => number;
  readonly l: (...args: number[]) => number;
}

const WASM_PAGE_BYTES = 64 * 1024;
const ARGON2_ID = 2;
const ARGON2_VERSION = 0x13;

/** Returns a function giving argon2-browser's Argon2id tag for an input; throws its error message on failure. */
export async function instantiateArgon2Browser(module: WebAssembly.Module): Promise<(input: Argon2idInput) => Uint8Array> {
  let memory: WebAssembly.Memory | undefined;
  const heap = (): Uint8Array => new Uint8Array(memory!.buffer);
  const imports = {
    a: {
      a: (dest: Pointer, src: Pointer, num: number): void => {
        heap().copyWithin(dest, src, src + num);
      },
      b: (requestedSize: number): number => {
        try {
          memory!.grow(Math.ceil(((requestedSize >>> 0) - memory!.buffer.byteLength) / WASM_PAGE_BYTES));
          return 1;
        } catch {
          return 0;
        }
      },
    },
  };
  const wasm = (await WebAssembly.instantiate(module, imports)).exports as unknown as ArgonBrowserExports;
  memory = wasm.c;
  wasm.d();
  const copyIn = (bytes: Uint8Array): Pointer => {
    const pointer = wasm.f(bytes.length + 1);
    heap().set(bytes, pointer);
    heap()[pointer + bytes.length] = 0;
    return pointer;
  };
  return ({ password, salt, params, secret, associatedData }) => {
    const { iterations: t, memoryKiB: m, parallelism: p, hashLength } = params;
    const pointers = [copyIn(password), copyIn(salt), secret ? copyIn(secret) : 0, associatedData ? copyIn(associatedData) : 0, copyIn(new Uint8Array(hashLength))];
    const [pwd, saltPointer, secretPointer, adPointer, tag] = pointers as [Pointer, Pointer, Pointer, Pointer, Pointer];
    const encodedLength = wasm.j(t, m, p, salt.length, hashLength, ARGON2_ID);
    const encoded = copyIn(new Uint8Array(encodedLength));
    try {
      const result = wasm.l(t, m, p, pwd, password.length, saltPointer, salt.length, tag, hashLength, encoded, encodedLength, ARGON2_ID, secretPointer, secret?.length ?? 0, adPointer, associatedData?.length ?? 0, ARGON2_VERSION);
      if (result !== 0) throw new Error(`argon2-browser: error ${result}`);
      return heap().slice(tag, tag + hashLength);
    } finally {
      for (const pointer of [...pointers, encoded]) if (pointer) wasm.g(pointer);
    }
  };
}
