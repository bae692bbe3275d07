/**
 * Runs Argon2id off the main thread: one hash of 64 MiB or more takes long enough to freeze the
 * UI. The WASM is argon2-browser's SIMD build where the engine runs WASM SIMD (about 15 % faster
 * at our cost, see BENCHMARKS.md), its plain build otherwise. Both are separate hashed assets that
 * the service worker precaches, so this works offline; only the one needed is fetched, once per
 * worker, when the main thread first starts this worker (see src/vault/argon2-client.ts).
 */
import simdWasmUrl from 'argon2-browser/dist/argon2-simd.wasm?url';
import plainWasmUrl from 'argon2-browser/dist/argon2.wasm?url';
import { isArgon2Request, type Argon2Request, type Argon2Response } from './argon2-protocol';
import { instantiateArgon2, supportsWasmSimd, type Argon2Wasm } from './argon2-wasm';

declare const self: DedicatedWorkerGlobalScope;

async function fetchWasm(url: string): Promise<WebAssembly.Module> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Argon2 WASM: HTTP ${response.status}`);
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Compiles the SIMD build when the engine validates the SIMD probe; the plain build if not, or if that fails. */
async function compileArgon2(): Promise<WebAssembly.Module> {
  if (supportsWasmSimd()) {
    try {
      return await fetchWasm(simdWasmUrl);
    } catch {
      // An engine whose SIMD differs from what the probe shows still gets a working hash.
    }
  }
  return fetchWasm(plainWasmUrl);
}

// This worker's own singletons: the compiled module lives as long as the worker; the instance
// (and the memory holding the last Argon2 blocks) is replaced after any failure, since a trap
// can leave libargon2's allocator in an unknown state.
let compiled: Promise<WebAssembly.Module> | undefined;
let instance: Promise<Argon2Wasm> | undefined;

function loadArgon2(): Promise<Argon2Wasm> {
  if (!compiled) {
    const compiling = compileArgon2();
    // A failed fetch or compile is not kept: the next request tries again.
    compiling.catch(() => {
      if (compiled === compiling) compiled = undefined;
    });
    compiled = compiling;
  }
  instance ??= compiled.then(instantiateArgon2);
  return instance;
}

function describeFailure(failure: unknown): string {
  return failure instanceof Error ? failure.message : 'Argon2 failed';
}

function respond(response: Argon2Response): void {
  // Transfer the tag rather than copy it, so no second copy stays behind in this worker.
  self.postMessage(response, response.ok ? [response.hash.buffer] : []);
}

/** Returns the Argon2id tag of the request's password; never logs or echoes the password. */
async function hashPassword(request: Argon2Request): Promise<void> {
  const { id, password, salt, params } = request;
  try {
    const argon2 = await loadArgon2();
    respond({ id, ok: true, hash: argon2.hashArgon2id({ password, salt, params }) });
  } catch (failure) {
    instance = undefined;
    respond({ id, ok: false, code: 'argon2_failed', message: describeFailure(failure) });
  } finally {
    // Our structured-clone copy of the PIN; the copy in WASM memory was zeroed by hashArgon2id.
    password.fill(0);
  }
}

self.addEventListener('message', (event: MessageEvent<unknown>) => {
  const request = event.data;
  if (isArgon2Request(request)) {
    void hashPassword(request);
    return;
  }
  const id = (request as { id?: unknown } | null)?.id;
  if (typeof id === 'number') respond({ id, ok: false, code: 'argon2_failed', message: 'Malformed Argon2 request' });
});
