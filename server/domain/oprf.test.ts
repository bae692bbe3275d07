import { randomBytes } from 'node:crypto';
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { KeyholdError } from '../errors';
import { createPepper, type Pepper } from './pepper';
import { decoyKeyFromSeed, decoyKeySeed, deriveOprfSecretKey, evaluateBlinded, newOprfKey, oprfReady, parseBlindedElement } from './oprf';
import { startOprfPool, type OprfEvaluator } from './oprf-pool';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const { oprf } = ristretto255_oprf;
// libsodium's WebAssembly module, which evaluations need in this thread (the server awaits it in every path).
beforeAll(() => oprfReady());

/**
 * p − s for s the encoding of ristretto255's base point (RFC 9496 §4.3.1): canonical, but a
 * negative field element, which only the sign check refuses.
 */
const NEGATED_BASE = fromHex('0b0d51f59543b18e577b569e3affaea0a71cf4955a7d22724959a6ba1f72d209');

/** BlindEvaluate as the evaluators answer it: base64url. */
const blindEvaluate = (key: Uint8Array, blinded: Uint8Array) => encodeBase64Url(evaluateBlinded(key, blinded));

/** A username's decoy key, as a start derives it. */
const decoyOprfKey = (pepper: Pepper, username: string) => decoyKeyFromSeed(decoyKeySeed(pepper, username));

/**
 * RFC 9497 Appendix A.1.1, OPRF(ristretto255, SHA-512), base mode (mode 0x00). The key is derived
 * with DeriveKeyPair(Seed, KeyInfo = "test key"); both vectors use the same Blind.
 */
const SEED = 'a3'.repeat(32);
const KEY_INFO = '74657374206b6579';
const SK_SM = '5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e';
const BLIND = '64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706';
const VECTORS = [
  {
    input: '00',
    blindedElement: '609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c',
    evaluationElement: '7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e',
    output: '527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6',
  },
  {
    input: '5a'.repeat(17),
    blindedElement: 'da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418',
    evaluationElement: 'b4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25',
    output: 'f4a74c9c592497375e796aa837e907b1a045d34306a749db9f34221f7e750cb4f2a6413a6bf6fa5e19ba6348eb673934a722a7ede2e7621306d18951e7cf2c73',
  },
];

/**
 * noble draws a blind as (random mod (n − 1)) + 1 (FIPS 186-5 A.4.1); handing it the RFC's blind
 * minus one, as 48 little-endian bytes, makes it use exactly the RFC's blind.
 */
function rngGiving(blindHex: string) {
  const bytes = new Uint8Array(48);
  bytes.set(fromHex(blindHex));
  bytes[0]! -= 1; // the RFC blind's low byte is 0x64: no borrow
  return (length = 48) => bytes.slice(0, length);
}

describe('OPRF(ristretto255, SHA-512) per RFC 9497 Appendix A.1.1', () => {
  it('derives the test key from the seed and "test key", as the server does and as @noble/curves does', () => {
    expect(hex(deriveOprfSecretKey(fromHex(SEED), fromHex(KEY_INFO)))).toBe(SK_SM);
    expect(hex(oprf.deriveKeyPair(fromHex(SEED), fromHex(KEY_INFO)).secretKey)).toBe(SK_SM);
  });

  it.each(VECTORS)('reproduces Blind, BlindEvaluate (the server\'s function) and Finalize for input $input', async (v) => {
    const { blind, blinded } = oprf.blind(fromHex(v.input), rngGiving(BLIND));
    expect(hex(blind)).toBe(BLIND);
    expect(hex(blinded)).toBe(v.blindedElement);
    const evaluated = blindEvaluate(fromHex(SK_SM), await parseBlindedElement(encodeBase64Url(blinded)));
    expect(hex(decodeBase64Url(evaluated))).toBe(v.evaluationElement);
    expect(hex(oprf.finalize(fromHex(v.input), fromHex(BLIND), decodeBase64Url(evaluated)))).toBe(v.output);
  });
});

describe('the server side of the OPRF', () => {
  const pepper = createPepper(new Uint8Array(32).fill(9));

  it('refuses the identity, a non-canonical or negative encoding and a wrong length before any evaluation', async () => {
    for (const bad of [new Uint8Array(32), new Uint8Array(32).fill(0xff), NEGATED_BASE, new Uint8Array(31).fill(1), new Uint8Array(0)]) {
      const error = await parseBlindedElement(encodeBase64Url(bad)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KeyholdError);
      expect((error as KeyholdError).code).toBe('invalid_request');
    }
  });

  it('derives every decoy key as @noble/curves\' DeriveKeyPair does, so no decoy\'s answer changed with the move to libsodium', () => {
    const info = new TextEncoder().encode('keyhold/decoy-oprf-key/v1');
    for (let i = 0; i < 32; i++) {
      const seed = randomBytes(32);
      expect(hex(decoyKeyFromSeed(seed))).toBe(hex(oprf.deriveKeyPair(seed, info).secretKey));
    }
    expect(hex(decoyOprfKey(pepper, 'nobody'))).toBe(hex(oprf.deriveKeyPair(decoyKeySeed(pepper, 'nobody'), info).secretKey));
  });

  it('answers every key and element as @noble/curves\' BlindEvaluate does (the client\'s library)', async () => {
    for (let i = 0; i < 32; i++) {
      const key = newOprfKey();
      const { blinded } = oprf.blind(randomBytes(32));
      expect(hex(decodeBase64Url(blindEvaluate(key, await parseBlindedElement(encodeBase64Url(blinded)))))).toBe(hex(oprf.blindEvaluate(key, blinded)));
    }
  });

  it('makes a fresh key each time, and the same decoy key for the same username', () => {
    expect(hex(newOprfKey())).not.toBe(hex(newOprfKey()));
    expect(hex(decoyOprfKey(pepper, 'nobody'))).toBe(hex(decoyOprfKey(pepper, 'nobody')));
    expect(hex(decoyOprfKey(pepper, 'nobody'))).not.toBe(hex(decoyOprfKey(pepper, 'nobody2')));
    expect(hex(decoyOprfKey(pepper, 'nobody'))).not.toBe(hex(decoyOprfKey(createPepper(new Uint8Array(32).fill(8)), 'nobody')));
  });

  it('leaves no copy of the key in libsodium\'s memory after an evaluation', () => {
    const memory = () => Buffer.from((sodium as unknown as { libsodium: { HEAPU8: Uint8Array } }).libsodium.HEAPU8.buffer);
    for (let i = 0; i < 4; i++) {
      const key = Buffer.from(newOprfKey());
      blindEvaluate(key, oprf.blind(randomBytes(32)).blinded);
      // The allocator writes over a freed block's first bytes: look for the rest of the key.
      expect(memory().indexOf(key.subarray(8))).toBe(-1);
    }
  });

  it('refuses a decoy seed of the wrong length rather than deriving from it', () => {
    expect(() => decoyKeyFromSeed(new Uint8Array(31))).toThrow();
  });

  it('gives the client the same output whoever blinds: the blind cancels out (RFC 9497 §3.3.1)', () => {
    const key = newOprfKey();
    const input = new TextEncoder().encode('argon2 output of a PIN');
    const outputs = [1, 2].map(() => {
      const { blind, blinded } = oprf.blind(input);
      return hex(oprf.finalize(input, blind, decodeBase64Url(blindEvaluate(key, blinded))));
    });
    expect(outputs[0]).toBe(outputs[1]);
  });
});

describe('the OPRF worker-thread pool (what the server process evaluates with)', () => {
  let pool: OprfEvaluator;
  beforeAll(() => {
    pool = startOprfPool(2);
  });
  afterAll(() => pool.close());

  it.each(VECTORS)('reproduces RFC 9497 A.1.1 BlindEvaluate for input $input', async (v) => {
    const key = fromHex(SK_SM);
    expect(hex(decodeBase64Url(await pool.blindEvaluate(key, fromHex(v.blindedElement))))).toBe(v.evaluationElement);
    expect(hex(key)).toBe(SK_SM); // the worker zeroes its own copy, not the caller's
  });

  it('answers a burst of concurrent evaluations each with its own key, as the event loop would', async () => {
    const tasks = Array.from({ length: 24 }, () => ({ key: newOprfKey(), blinded: oprf.blind(new TextEncoder().encode('pin')).blinded }));
    const pooled = await Promise.all(tasks.map((t) => pool.blindEvaluate(t.key, t.blinded)));
    expect(pooled).toEqual(tasks.map((t) => blindEvaluate(t.key, t.blinded)));
  });

  it('leaves the caller\'s Buffers whole: their memory is copied for the worker, never moved', async () => {
    const { blinded } = oprf.blind(new TextEncoder().encode('pin'));
    // A Buffer's slice() is a view of the same memory: moving that to a worker would empty the caller's key.
    const pooled = Buffer.from(newOprfKey()); // on Node's shared pool, beside other Buffers
    const view = new Uint8Array(64); // a view of the first half of a larger ArrayBuffer
    view.set(newOprfKey());
    const own = view.subarray(0, 32);
    for (const key of [pooled, own]) {
      const before = hex(key);
      for (let round = 0; round < 2; round++) {
        expect(await pool.blindEvaluate(key, blinded)).toBe(blindEvaluate(new Uint8Array(key), blinded));
        expect(hex(key)).toBe(before);
      }
    }
  });

  it('lets evaluations in flight finish when closed (a graceful stop closes it after the last request)', async () => {
    const closing = startOprfPool(1);
    const inFlight = closing.blindEvaluate(fromHex(SK_SM), fromHex(VECTORS[0]!.blindedElement));
    await closing.close();
    expect(hex(decodeBase64Url(await inFlight))).toBe(VECTORS[0]!.evaluationElement);
  });

  it('refuses work once closed, rather than starting threads again', async () => {
    const closing = startOprfPool(1);
    await closing.close();
    await expect(closing.blindEvaluate(fromHex(SK_SM), fromHex(VECTORS[0]!.blindedElement))).rejects.toThrow();
  });
});
