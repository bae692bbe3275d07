import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Argon2Browser, Argon2HashOptions } from 'argon2-browser/dist/argon2-bundled.min.js';

/**
 * Loads the exact file argon2.worker.ts bundles into a fresh V8 context that looks like a
 * worker: `self` is the global and there is no `process`. In plain Node the library takes its
 * Node path instead, which fetches the .wasm through Node's fetch and fails, and which installs
 * process-wide exception handlers; here it decodes its inlined WASM as it does in the browser.
 */
function loadBundledArgon2(): Argon2Browser {
  const bundlePath = createRequire(import.meta.url).resolve('argon2-browser/dist/argon2-bundled.min.js');
  const workerLikeGlobal = vm.createContext({ atob, TextEncoder, TextDecoder, console });
  workerLikeGlobal.self = workerLikeGlobal;
  vm.runInContext(readFileSync(bundlePath, 'utf8'), workerLikeGlobal, { filename: bundlePath });
  // With neither CommonJS nor AMD around, the UMD wrapper sets the global `argon2`.
  return workerLikeGlobal.argon2 as Argon2Browser;
}

/** Hex of the Argon2id tag; hex because the tag is a Uint8Array of the other V8 context. */
async function argon2idHex(options: Omit<Argon2HashOptions, 'type'>): Promise<string> {
  const argon2 = loadBundledArgon2();
  const { hash } = await argon2.hash({ ...options, type: argon2.ArgonType.Argon2id });
  return Buffer.from(hash).toString('hex');
}

const bytes = (length: number, value: number): Uint8Array => new Uint8Array(length).fill(value);

describe('argon2-browser bundled build (the one the worker runs)', () => {
  it('matches the RFC 9106 §5.3 Argon2id test vector, secret and associated data included', async () => {
    const tag = await argon2idHex({
      pass: bytes(32, 0x01),
      salt: bytes(16, 0x02),
      secret: bytes(8, 0x03),
      ad: bytes(12, 0x04),
      time: 3,
      mem: 32,
      parallelism: 4,
      hashLen: 32,
    });
    expect(tag).toBe('0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659');
  });

  // No second Argon2id implementation is available to cross-check plain (no secret, no
  // associated data) hashing, so these check that it is a deterministic function of the salt.
  const pin = new TextEncoder().encode('493817');
  const cost = { time: 3, mem: 1024, parallelism: 1, hashLen: 32 };

  it('gives the same tag for the same PIN, salt and cost', async () => {
    const salt = bytes(16, 0xa5);
    const first = await argon2idHex({ pass: pin, salt, ...cost });
    const second = await argon2idHex({ pass: pin, salt, ...cost });
    expect(first).toHaveLength(64);
    expect(second).toBe(first);
  });

  it('gives different tags for different salts', async () => {
    const first = await argon2idHex({ pass: pin, salt: bytes(16, 0xa5), ...cost });
    const second = await argon2idHex({ pass: pin, salt: bytes(16, 0x5a), ...cost });
    expect(second).not.toBe(first);
  });

  it('hashes at the vault minimum cost (64 MiB, t=3) without running out of WASM memory', async () => {
    const tag = await argon2idHex({ pass: pin, salt: bytes(16, 0xa5), time: 3, mem: 64 * 1024, parallelism: 1, hashLen: 32 });
    expect(tag).toMatch(/^[0-9a-f]{64}$/);
  });
});
