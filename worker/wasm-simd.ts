/**
 * Whether this engine runs WebAssembly SIMD, i.e. can run worker/wasm/argon2-simd.wasm. Used by
 * the worker and by the main thread's module loader (src/vault/platform/argon2-module.ts).
 */

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

/** True when this engine runs WASM SIMD. */
export function supportsWasmSimd(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}
