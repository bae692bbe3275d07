import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Argon2WasmError, instantiateArgon2, SIMD_PROBE, supportsWasmSimd, type Argon2idInput, type Argon2Wasm } from './argon2-wasm';

/** The same files the worker imports with `?url`, compiled here by Node's V8 instead of the browser's. */
const BUILDS = {
  plain: 'argon2-browser/dist/argon2.wasm',
  simd: 'argon2-browser/dist/argon2-simd.wasm',
} as const;

function compileBuild(file: string): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve(file)));
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (length: number, value: number): Uint8Array => new Uint8Array(length).fill(value);

/**
 * True when any 12-byte run of `secret` occurs in `memory`. Runs, not the whole: `free` writes
 * the allocator's list pointers over the start of a freed block, so an unwiped copy survives
 * only in part.
 */
function holdsPartOf(memory: WebAssembly.Memory, secret: Uint8Array): boolean {
  const heap = Buffer.from(memory.buffer);
  for (let start = 0; start + 12 <= secret.length; start++) {
    if (heap.includes(Buffer.from(secret.subarray(start, start + 12)))) return true;
  }
  return false;
}

describe('WASM SIMD detection', () => {
  it('validates the probe in an engine with SIMD (Node 20 has it), and the probe is a real SIMD module', () => {
    expect(supportsWasmSimd()).toBe(true);
    // The same bytes without the SIMD instructions' 0xfd prefix must not validate: the probe's
    // answer comes from SIMD, not from a malformed module.
    const withoutSimd = SIMD_PROBE.map((byte) => (byte === 0xfd ? 0x01 : byte));
    expect(WebAssembly.validate(withoutSimd)).toBe(false);
  });

  it('accepts the SIMD build it selects', () => {
    expect(WebAssembly.validate(readFileSync(createRequire(import.meta.url).resolve(BUILDS.simd)))).toBe(true);
  });
});

describe.each(Object.entries(BUILDS))('argon2-browser %s build, as the worker runs it', (_build, file) => {
  let loaded: Promise<Argon2Wasm> | undefined;
  const argon2 = (): Promise<Argon2Wasm> => (loaded ??= instantiateArgon2(compileBuild(file)));
  const argon2idHex = async (input: Argon2idInput): Promise<string> => hex((await argon2()).hashArgon2id(input));

  it('matches the RFC 9106 §5.3 Argon2id test vector, secret and associated data included', async () => {
    const tag = await argon2idHex({
      password: bytes(32, 0x01),
      salt: bytes(16, 0x02),
      secret: bytes(8, 0x03),
      associatedData: bytes(12, 0x04),
      params: { iterations: 3, memoryKiB: 32, parallelism: 4, hashLength: 32 },
    });
    expect(tag).toBe('0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659');
  });

  // No second Argon2id implementation is available to cross-check plain (no secret, no
  // associated data) hashing, so these check that it is a deterministic function of the salt
  // (and the bench checks the tag against Debian's native argon2).
  const pin = new TextEncoder().encode('493817');
  const params = { iterations: 3, memoryKiB: 1024, parallelism: 1, hashLength: 32 };

  it('gives the same tag for the same PIN, salt and cost', async () => {
    const salt = bytes(16, 0xa5);
    const first = await argon2idHex({ password: pin, salt, params });
    const second = await argon2idHex({ password: pin, salt, params });
    expect(first).toHaveLength(64);
    expect(second).toBe(first);
  });

  it('gives different tags for different salts', async () => {
    const first = await argon2idHex({ password: pin, salt: bytes(16, 0xa5), params });
    const second = await argon2idHex({ password: pin, salt: bytes(16, 0x5a), params });
    expect(second).not.toBe(first);
  });

  it('hashes at the vault minimum cost (64 MiB, t=3), growing the WASM memory, and leaves no copy of the password in it', async () => {
    const password = new TextEncoder().encode('kh-distinctive-passphrase-7341');
    const tag = await argon2idHex({ password, salt: bytes(16, 0xa5), params: { iterations: 3, memoryKiB: 64 * 1024, parallelism: 1, hashLength: 32 } });
    expect(tag).toMatch(/^[0-9a-f]{64}$/);
    const memory = (await argon2()).memory;
    expect(memory.buffer.byteLength).toBeGreaterThan(64 * 1024 * 1024);
    expect(holdsPartOf(memory, password)).toBe(false);
  });

  it('fails with libargon2\'s own message, which names no input, and stays usable', async () => {
    const instance = await argon2();
    const tooLittleMemory = { iterations: 3, memoryKiB: 4, parallelism: 1, hashLength: 32 };
    expect(() => instance.hashArgon2id({ password: pin, salt: bytes(16, 1), params: tooLittleMemory })).toThrow(
      new Argon2WasmError('Memory cost is too small'),
    );
    expect(hex(instance.hashArgon2id({ password: pin, salt: bytes(16, 1), params }))).toHaveLength(64);
  });
});
