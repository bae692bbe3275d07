import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url, isBase64Url } from './base64url';

describe('base64url', () => {
  it('matches the RFC 4648 §10 test vectors without padding', () => {
    const vectors: Array<[string, string]> = [
      ['', ''], ['f', 'Zg'], ['fo', 'Zm8'], ['foo', 'Zm9v'], ['foob', 'Zm9vYg'], ['fooba', 'Zm9vYmE'], ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(encodeBase64Url(new TextEncoder().encode(plain))).toBe(encoded);
      expect(new TextDecoder().decode(decodeBase64Url(encoded))).toBe(plain);
    }
  });

  it('uses the URL-safe alphabet and round-trips every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = encodeBase64Url(all);
    expect(text).not.toMatch(/[+/=]/);
    expect(decodeBase64Url(text)).toEqual(all);
  });

  it('refuses characters outside the alphabet and impossible lengths', () => {
    expect(() => decodeBase64Url('ab+c')).toThrow(TypeError);
    expect(() => decodeBase64Url('abcde')).toThrow(TypeError);
    expect(isBase64Url('a=')).toBe(false);
  });
});
