import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { instantiateArgon2Browser } from './argon2-browser-reference';
import type { Argon2Params } from './argon2-protocol';
import { Argon2WasmError, instantiateArgon2, SIMD_PROBE, supportsWasmSimd, type Argon2idInput, type Argon2Wasm } from './argon2-wasm';

/** The files the worker imports with `?url` (worker/argon2-module.ts), compiled here by Node's V8. */
const BUILDS = {
  plain: new URL('./wasm/argon2.wasm', import.meta.url),
  simd: new URL('./wasm/argon2-simd.wasm', import.meta.url),
} as const;

const compile = (file: URL | string): WebAssembly.Module => new WebAssembly.Module(readFileSync(file));
const argon2BrowserFile = (name: string): string => createRequire(import.meta.url).resolve(`argon2-browser/dist/${name}`);

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (length: number, value: number): Uint8Array => new Uint8Array(length).fill(value);
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** RFC 9106 §5.3: the Argon2id test vector, with secret K and associated data X. */
const RFC_9106_ARGON2ID: { input: Argon2idInput; tag: string } = {
  input: {
    password: bytes(32, 0x01),
    salt: bytes(16, 0x02),
    secret: bytes(8, 0x03),
    associatedData: bytes(12, 0x04),
    params: { iterations: 3, memoryKiB: 32, parallelism: 4, hashLength: 32 },
  },
  tag: '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659',
};

/**
 * Inputs the native `argon2` command can take too (no K or X; the salt is a command-line
 * argument, so text): the vault's cost, one and several lanes, odd memory sizes and tag lengths.
 */
const CROSS_CHECKS: Array<{ pin: string; salt: string; params: Argon2Params }> = [
  { pin: '493817', salt: 'kh-bench-salt-01', params: { iterations: 3, memoryKiB: 64 * 1024, parallelism: 1, hashLength: 32 } },
  { pin: '000000', salt: 'saltsalt', params: { iterations: 1, memoryKiB: 8, parallelism: 1, hashLength: 16 } },
  { pin: 'correct horse battery staple', salt: 'a-longer-salt-of-32-characters!!', params: { iterations: 2, memoryKiB: 3000, parallelism: 3, hashLength: 64 } },
  { pin: '482915', salt: 'kh-bench-salt-01', params: { iterations: 6, memoryKiB: 4096, parallelism: 4, hashLength: 32 } },
];

const NATIVE_ARGON2 = process.env.ARGON2_PATH ?? '/usr/bin/argon2';

/** The reference C implementation's own command (Debian package argon2): the tag in hex. */
function nativeArgon2idHex({ pin, salt, params }: (typeof CROSS_CHECKS)[number]): string {
  const args = [salt, '-id', '-t', String(params.iterations), '-k', String(params.memoryKiB), '-p', String(params.parallelism), '-l', String(params.hashLength), '-r'];
  const result = spawnSync(NATIVE_ARGON2, args, { input: pin, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${NATIVE_ARGON2} failed: ${result.stderr}`);
  return result.stdout.trim();
}

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
    expect(WebAssembly.validate(readFileSync(BUILDS.simd))).toBe(true);
  });
});

describe.each(Object.entries(BUILDS))('Keyhold %s build, as the worker runs it', (_build, file) => {
  let loaded: Promise<Argon2Wasm> | undefined;
  const argon2 = (): Promise<Argon2Wasm> => (loaded ??= instantiateArgon2(compile(file)));
  const argon2idHex = async (input: Argon2idInput): Promise<string> => hex((await argon2()).hashArgon2id(input));

  it('matches the RFC 9106 §5.3 Argon2id test vector, secret and associated data included', async () => {
    expect(await argon2idHex(RFC_9106_ARGON2ID.input)).toBe(RFC_9106_ARGON2ID.tag);
  });

  it.skipIf(!existsSync(NATIVE_ARGON2))(`gives the native reference command's tag for every cross-check input (${NATIVE_ARGON2}; Debian package argon2)`, async () => {
    for (const check of CROSS_CHECKS) {
      expect(await argon2idHex({ password: utf8(check.pin), salt: utf8(check.salt), params: check.params })).toBe(nativeArgon2idHex(check));
    }
  });

  it('gives argon2-browser\'s tags (its SIMD and plain builds) for the RFC vector and every cross-check input', async () => {
    const references = await Promise.all(['argon2.wasm', 'argon2-simd.wasm'].map((name) => instantiateArgon2Browser(compile(argon2BrowserFile(name)))));
    const inputs: Argon2idInput[] = [
      RFC_9106_ARGON2ID.input,
      { ...RFC_9106_ARGON2ID.input, params: { iterations: 2, memoryKiB: 1024, parallelism: 2, hashLength: 48 } },
      ...CROSS_CHECKS.map((check) => ({ password: utf8(check.pin), salt: utf8(check.salt), params: check.params })),
    ];
    for (const input of inputs) {
      const ours = await argon2idHex(input);
      for (const reference of references) expect(ours).toBe(hex(reference(input)));
    }
  });

  it('hashes at the vault minimum cost (64 MiB, t=3), growing the WASM memory, and leaves no copy of the password or secret in it', async () => {
    const password = utf8('kh-distinctive-passphrase-7341');
    const secret = utf8('kh-distinctive-secret-value-0917');
    const tag = await argon2idHex({ password, secret, salt: bytes(16, 0xa5), params: { iterations: 3, memoryKiB: 64 * 1024, parallelism: 1, hashLength: 32 } });
    expect(tag).toMatch(/^[0-9a-f]{64}$/);
    const memory = (await argon2()).memory;
    expect(memory.buffer.byteLength).toBeGreaterThan(64 * 1024 * 1024);
    expect(holdsPartOf(memory, password)).toBe(false);
    expect(holdsPartOf(memory, secret)).toBe(false);
    // Nor the tag: the worker hands the only copy to the main thread.
    expect(holdsPartOf(memory, Buffer.from(tag, 'hex'))).toBe(false);
  });

  it('fails with libargon2\'s own message, which names no input, and stays usable', async () => {
    const instance = await argon2();
    const pin = utf8('493817');
    const tooLittleMemory = { iterations: 3, memoryKiB: 4, parallelism: 1, hashLength: 32 };
    expect(() => instance.hashArgon2id({ password: pin, salt: bytes(16, 1), params: tooLittleMemory })).toThrow(new Argon2WasmError('Memory cost is too small'));
    expect(() => instance.hashArgon2id({ password: pin, salt: bytes(4, 1), params: { ...tooLittleMemory, memoryKiB: 64 } })).toThrow(new Argon2WasmError('Salt is too short'));
    const params = { iterations: 1, memoryKiB: 64, parallelism: 1, hashLength: 32 };
    expect(hex(instance.hashArgon2id({ password: pin, salt: bytes(16, 1), params }))).toHaveLength(64);
  });

  it('reserves the memory of a 64 MiB hash ahead of it: the hash then grows nothing and gives the same tag', async () => {
    const params = { iterations: 1, memoryKiB: 64 * 1024, parallelism: 1, hashLength: 32 };
    const input = { password: utf8('493817'), salt: bytes(16, 0x3c), params };
    const fresh = await instantiateArgon2(compile(file));
    fresh.reserve(params.memoryKiB);
    const reserved = fresh.memory.buffer.byteLength;
    expect(reserved).toBeGreaterThan(64 * 1024 * 1024);
    const tag = hex(fresh.hashArgon2id(input));
    expect(fresh.memory.buffer.byteLength).toBe(reserved);
    expect(tag).toBe(await argon2idHex(input));
  });

  it('hashes an empty password and gives the same tag for the same input twice', async () => {
    const params = { iterations: 1, memoryKiB: 64, parallelism: 1, hashLength: 32 };
    const first = await argon2idHex({ password: new Uint8Array(0), salt: bytes(16, 9), params });
    expect(await argon2idHex({ password: new Uint8Array(0), salt: bytes(16, 9), params })).toBe(first);
    expect(await argon2idHex({ password: new Uint8Array(1), salt: bytes(16, 9), params })).not.toBe(first);
  });
});
