/**
 * Fetches and compiles the Argon2 build this engine can run: worker/wasm/argon2-simd.wasm where
 * `WebAssembly.validate` accepts the SIMD probe, worker/wasm/argon2.wasm otherwise (or if the SIMD
 * one fails to load). Both are hashed assets the service worker precaches, so this works offline;
 * only the one needed is fetched, by the first Argon2 worker; it sends the compiled module back
 * to the main thread for the workers after it.
 */
import simdWasmUrl from './wasm/argon2-simd.wasm?url&no-inline';
import plainWasmUrl from './wasm/argon2.wasm?url&no-inline';
import { supportsWasmSimd } from './wasm-simd';

async function compileFrom(url: string): Promise<WebAssembly.Module> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Argon2 WASM: HTTP ${response.status}`);
  // From its bytes, not WebAssembly.compileStreaming: at 24 KB streaming saves nothing, and in
  // Chromium 156 streamed modules made long hashes disproportionately slow in npm run
  // bench:client (t = 6 took ~2.3× t = 3 instead of 2×), which compiling the bytes did not.
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
