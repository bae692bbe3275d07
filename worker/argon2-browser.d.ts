/**
 * Types for the one argon2-browser build we load: the bundled build, whose WASM is inlined as
 * base64 so a module worker can run it without fetching a separate .wasm file. Only what
 * lib/argon2.js (v1.18) actually accepts is declared.
 */
declare module 'argon2-browser/dist/argon2-bundled.min.js' {
  /** Values of argon2-browser's ArgonType enum. */
  export type ArgonTypeValue = 0 | 1 | 2;

  export interface Argon2HashOptions {
    /** Strings are UTF-8 encoded; bytes are used as given. */
    readonly pass: string | Uint8Array;
    readonly salt: string | Uint8Array;
    /** Iterations t (default 1). */
    readonly time?: number;
    /** Memory m in KiB (default 1024); the first call also sizes the WASM memory. */
    readonly mem?: number;
    /** Tag length T in bytes (default 24). */
    readonly hashLen?: number;
    /** Lanes p (default 1). */
    readonly parallelism?: number;
    /** Default Argon2d: always pass Argon2id explicitly. */
    readonly type?: ArgonTypeValue;
    /** Secret value K (RFC 9106 §3.1), passed to argon2_hash_ext. */
    readonly secret?: Uint8Array;
    /** Associated data X (RFC 9106 §3.1), passed to argon2_hash_ext. */
    readonly ad?: Uint8Array;
  }

  export interface Argon2HashResult {
    readonly hash: Uint8Array;
    readonly hashHex: string;
    /** PHC string form, e.g. `$argon2id$v=19$m=…`. */
    readonly encoded: string;
  }

  /** What `hash` rejects with: not an Error; `message` is a libargon2 text or a WASM error. */
  export interface Argon2Failure {
    readonly message: string | Error;
    readonly code: number;
  }

  export interface Argon2Browser {
    readonly ArgonType: { readonly Argon2d: 0; readonly Argon2i: 1; readonly Argon2id: 2 };
    hash(options: Argon2HashOptions): Promise<Argon2HashResult>;
    /** Drops the WASM instance and its memory. */
    unloadRuntime(): void;
  }

  const argon2: Argon2Browser;
  export default argon2;
}
