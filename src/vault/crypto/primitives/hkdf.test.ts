import { describe, expect, it } from 'vitest';
import { fromHex, hex } from '../../../../test/helpers/fake-argon2';
import { hkdfAesGcmKey, hkdfBytes, importHkdfKeyMaterial } from './hkdf';

// RFC 5869 Appendix A: the HKDF-SHA-256 test cases.
const A1 = {
  ikm: fromHex('0b'.repeat(22)),
  salt: fromHex('000102030405060708090a0b0c'),
  info: fromHex('f0f1f2f3f4f5f6f7f8f9'),
  okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
};
const A3 = {
  ikm: fromHex('0b'.repeat(22)),
  okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
};

describe('HKDF-SHA-256 through WebCrypto', () => {
  it('matches RFC 5869 test case 1 (A.1), L = 42', async () => {
    expect(hex(await hkdfBytes(A1.ikm, A1.salt, A1.info, 42))).toBe(A1.okm);
  });

  it('matches RFC 5869 test case 3 (A.3): empty salt and info, as K_keys and KEK_prf use', async () => {
    expect(hex(await hkdfBytes(A3.ikm, new Uint8Array(0), new Uint8Array(0), 42))).toBe(A3.okm);
  });

  it('derives AES-256 keys whose bytes are the first 32 bytes of the RFC 5869 A.1 OKM', async () => {
    const key = await hkdfAesGcmKey(A1.ikm, A1.salt, A1.info, ['encrypt'], true);
    expect(hex(new Uint8Array(await crypto.subtle.exportKey('raw', key)))).toBe(A1.okm.slice(0, 64));
  });

  it('gives the same OKM from imported key material as from raw bytes', async () => {
    const material = await importHkdfKeyMaterial(A1.ikm);
    expect(material.extractable).toBe(false);
    expect(hex(await hkdfBytes(material, A1.salt, A1.info, 42))).toBe(A1.okm);
  });

  it('derives non-extractable keys unless told otherwise', async () => {
    const key = await hkdfAesGcmKey(A1.ikm, A1.salt, A1.info, ['encrypt', 'decrypt']);
    expect(key.extractable).toBe(false);
    expect(key.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
  });
});
