/**
 * Fetches and compiles the Argon2 build this engine can run: worker/wasm/argon2-simd.wasm where
 * `WebAssembly.validate` accepts the SIMD probe, worker/wasm/argon2.wasm otherwise (or if the SIMD
 * one fails to load). Both are hashed assets the service worker precaches, so this works offline;
 * only the one needed is fetched, by the first Argon2 worker; it sends the compiled module back
 * to the main thread for the workers after it.
 */
import simdWasmUrl from './wasm/argon2-simd.wasm?url';
import plainWasmUrl from './wasm/argon2.wasm?url';
import { supportsWasmSimd } from './wasm-simd';

async function compileFrom(url: string): Promise<WebAssembly.Module> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Argon2 WASM: HTTP ${response.status}`);
  // Streaming compilation overlaps the download and lets the engine cache the compiled code with
  // the response; it insists on the application/wasm content type, so anything else is compiled
  // from its bytes.
  if (response.headers.get('content-type')?.split(';')[0]?.trim() === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Compiles the SIMD build when the engine runs WASM SIMD, the plain build otherwise; rejects when neither loads. */
export async function compileArgon2Module(): Promise<WebAssembly.Module> {
  if (supportsWasmSimd()) {
    try {
      return await compileFrom(simdWasmUrl);
    } catch {
      // An engine whose SIMD differs from what the probe shows still gets a working hash.
    }
  }
  return compileFrom(plainWasmUrl);
}
