import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingToolchain } from '../../scripts/argon2/build';
import { instantiateArgon2 } from '../../worker/argon2-wasm';
import { buildVariant, missingNativeToolchain, runTimer, VARIANTS, type TimerJob, type VariantName } from './variants';

/** RFC 9106 §5.3: the Argon2id test vector, with secret K and associated data X (m = 32 KiB: instant). */
const RFC_9106_ARGON2ID = {
  input: {
    password: new Uint8Array(32).fill(0x01),
    salt: new Uint8Array(16).fill(0x02),
    secret: new Uint8Array(8).fill(0x03),
    associatedData: new Uint8Array(12).fill(0x04),
    params: { iterations: 3, memoryKiB: 32, parallelism: 4, hashLength: 32 },
  },
  tag: '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659',
};

const skipReason = missingToolchain() ?? missingNativeToolchain();
if (skipReason) console.warn(`bench/argon2-passes/variants.test.ts skipped: ${skipReason}`);

// The bench's builds, checked for what each row claims (no timing): cheap costs, about a second of clang per build.
describe.skipIf(skipReason !== undefined)('npm run bench:argon2-passes builds', () => {
  let work = '';
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'kh-argon2-passes-test-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const variant = (name: VariantName) => VARIANTS.find((v) => v.name === name)!;
  const rfcTagOf = async (name: VariantName) => {
    const argon2 = await instantiateArgon2(new WebAssembly.Module(readFileSync(buildVariant(variant(name), work))));
    return Buffer.from(argon2.hashArgon2id(RFC_9106_ARGON2ID.input)).toString('hex');
  };

  it('the i64x2.mul build computes RFC 9106\'s Argon2id tag, so its row times a correct hash', async () => {
    expect(await rfcTagOf('wasmI64x2Mul')).toBe(RFC_9106_ARGON2ID.tag);
  });

  it('the build with the multiply replaced by v128.and does not: it is a diagnostic only', async () => {
    expect(await rfcTagOf('wasmNoMultiply')).not.toBe(RFC_9106_ARGON2ID.tag);
  });

  it('the native timer hashes what the WASM SIMD build made here hashes, and reports its tags', async () => {
    const job: TimerJob = { pairs: 1, low: 1, high: 2, memoryKiB: 64, parallelism: 1, hashLength: 32, password: '482915', salt: 'kh-bench-salt-01' };
    const native = await runTimer(variant('native'), buildVariant(variant('native'), work), job);
    const argon2 = await instantiateArgon2(new WebAssembly.Module(readFileSync(buildVariant(variant('wasm'), work))));
    const encode = (text: string) => new TextEncoder().encode(text);
    const wasmTag = (iterations: number) =>
      Buffer.from(argon2.hashArgon2id({ password: encode(job.password), salt: encode(job.salt), params: { iterations, memoryKiB: 64, parallelism: 1, hashLength: 32 } })).toString('hex');
    expect([native.lowTag, native.highTag]).toEqual([wasmTag(1), wasmTag(2)]);
    expect(native.lowMs).toHaveLength(1);
  });
});
