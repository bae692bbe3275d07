import { describe, expect, it } from 'vitest';
import { decodeBase32 } from './base32';

describe('base32', () => {
  it('decodes the RFC 4648 §10 test vectors, with or without padding, in either case', () => {
    const vectors: Array<[string, string]> = [
      ['', ''], ['f', 'MY======'], ['fo', 'MZXQ===='], ['foo', 'MZXW6==='], ['foob', 'MZXW6YQ='], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI======'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(new TextDecoder().decode(decodeBase32(encoded))).toBe(plain);
      expect(new TextDecoder().decode(decodeBase32(encoded.replace(/=/g, '').toLowerCase()))).toBe(plain);
    }
  });

  it('decodes a 160-bit TOTP secret as shown in groups (RFC 6238 appendix B key)', () => {
    expect(new TextDecoder().decode(decodeBase32('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ'))).toBe('12345678901234567890');
  });

  it('refuses characters outside the alphabet and impossible endings', () => {
    expect(() => decodeBase32('MZXW1')).toThrow(TypeError);
    expect(() => decodeBase32('MZXW6YR')).toThrow(TypeError); // non-zero bits left over
    expect(() => decodeBase32('M')).toThrow(TypeError);
  });
});
