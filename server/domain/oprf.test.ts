import { randomBytes } from 'node:crypto';
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { KeyholdError } from '../errors';
import { createPepper, type Pepper } from './pepper';
import { blindEvaluate, decoyKeyFromSeed, decoyKeySeed, evaluateRecoveryStart, newOprfKey, parseBlindedElement } from './oprf';
import { startOprfPool, type OprfEvaluator } from './oprf-pool';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const { oprf } = ristretto255_oprf;
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
  it('derives the test key from the seed and "test key"', () => {
    expect(hex(oprf.deriveKeyPair(fromHex(SEED), fromHex(KEY_INFO)).secretKey)).toBe(SK_SM);
  });

  it.each(VECTORS)('reproduces Blind, BlindEvaluate (the server\'s function) and Finalize for input $input', (v) => {
    const { blind, blinded } = oprf.blind(fromHex(v.input), rngGiving(BLIND));
    expect(hex(blind)).toBe(BLIND);
    expect(hex(blinded)).toBe(v.blindedElement);
    const evaluated = blindEvaluate(fromHex(SK_SM), parseBlindedElement(encodeBase64Url(blinded)));
    expect(hex(decodeBase64Url(evaluated))).toBe(v.evaluationElement);
    expect(hex(oprf.finalize(fromHex(v.input), fromHex(BLIND), decodeBase64Url(evaluated)))).toBe(v.output);
  });
});

describe('the server side of the OPRF', () => {
  const pepper = createPepper(new Uint8Array(32).fill(9));

  it('refuses the identity, a non-canonical encoding and a wrong length before any evaluation', () => {
    for (const bad of [new Uint8Array(32), new Uint8Array(32).fill(0xff), new Uint8Array(31).fill(1), new Uint8Array(0)]) {
      const error = (() => {
        try {
          parseBlindedElement(encodeBase64Url(bad));
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(KeyholdError);
      expect((error as KeyholdError).code).toBe('invalid_request');
    }
  });

  it('makes a fresh key each time, and the same decoy key for the same username', () => {
    expect(hex(newOprfKey())).not.toBe(hex(newOprfKey()));
    expect(hex(decoyOprfKey(pepper, 'nobody'))).toBe(hex(decoyOprfKey(pepper, 'nobody')));
    expect(hex(decoyOprfKey(pepper, 'nobody'))).not.toBe(hex(decoyOprfKey(pepper, 'nobody2')));
    expect(hex(decoyOprfKey(pepper, 'nobody'))).not.toBe(hex(decoyOprfKey(createPepper(new Uint8Array(32).fill(8)), 'nobody')));
  });

  it('evaluates a start with k_u, or with the decoy key its seed derives when there is none', () => {
    const key = newOprfKey();
    const { blinded } = oprf.blind(new TextEncoder().encode('pin'));
    const seed = decoyKeySeed(pepper, 'nobody');
    expect(hex(evaluateRecoveryStart(key, blinded, seed))).toBe(hex(decodeBase64Url(blindEvaluate(key, blinded))));
    expect(hex(evaluateRecoveryStart(null, blinded, seed))).toBe(hex(decodeBase64Url(blindEvaluate(decoyOprfKey(pepper, 'nobody'), blinded))));
    expect(() => evaluateRecoveryStart(null, blinded)).toThrow();
    // The decoy key is derived even when k_u evaluates: a seed DeriveKeyPair refuses fails either way.
    expect(() => evaluateRecoveryStart(key, blinded, new Uint8Array(31))).toThrow();
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

  it('evaluates a start\'s decoy the way the event loop does, and leaves the caller\'s seed alone', async () => {
    const pepper = createPepper(new Uint8Array(32).fill(5));
    const { blinded } = oprf.blind(new TextEncoder().encode('pin'));
    const seed = decoyKeySeed(pepper, 'ghost');
    const key = newOprfKey();
    expect(await pool.blindEvaluate(null, blinded, seed)).toBe(blindEvaluate(decoyOprfKey(pepper, 'ghost'), blinded));
    expect(await pool.blindEvaluate(key, blinded, seed)).toBe(blindEvaluate(key, blinded));
    expect(hex(seed)).toBe(hex(decoyKeySeed(pepper, 'ghost')));
  });

  it('leaves the caller\'s Buffers whole: their memory is copied for the worker, never moved', async () => {
    const { blinded } = oprf.blind(new TextEncoder().encode('pin'));
    // A Buffer's slice() is a view of the same memory: moving that to a worker would empty the caller's key or seed.
    const key = Buffer.from(newOprfKey()); // on Node's shared pool, beside other Buffers
    const seed = randomBytes(32); // an ArrayBuffer of its own
    const [keyHex, seedHex] = [hex(key), hex(seed)];
    for (let round = 0; round < 2; round++) {
      expect(await pool.blindEvaluate(key, blinded, seed)).toBe(blindEvaluate(new Uint8Array(key), blinded));
      expect([hex(key), hex(seed)]).toEqual([keyHex, seedHex]);
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
