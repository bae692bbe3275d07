import { describe, expect, it } from 'vitest';
import { DEFAULT_ARGON2_PARAMS, parseArgon2Params } from './keys';

const base = { memoryKiB: 65_536, iterations: 3, parallelism: 1, hashLength: 32 };

describe('parseArgon2Params', () => {
  it('accepts the defaults: m = 64 MiB, t = 3, p = 1, 32-byte tag', () => {
    expect(DEFAULT_ARGON2_PARAMS).toEqual(base);
    expect(parseArgon2Params({ ...base })).toEqual(base);
  });

  it('accepts stronger parameters than the minimum', () => {
    expect(parseArgon2Params({ ...base, memoryKiB: 262_144, iterations: 4, parallelism: 2 })).toMatchObject({ memoryKiB: 262_144 });
  });

  it.each([
    ['m = 32 MiB', { memoryKiB: 32_768 }],
    ['t = 1', { iterations: 1 }],
    ['t = 2', { iterations: 2 }],
    ['p = 0', { parallelism: 0 }],
  ])('refuses a downgrade to %s with kdf_too_weak', (_, change) => {
    expect(() => parseArgon2Params({ ...base, ...change })).toThrow(expect.objectContaining({ code: 'kdf_too_weak' }));
  });

  it.each([
    ['no object', null],
    ['a string memory size', { ...base, memoryKiB: '65536' }],
    ['a fractional pass count', { ...base, iterations: 3.5 }],
    ['a missing field', { memoryKiB: 65_536, iterations: 3, parallelism: 1 }],
    ['a 16-byte tag', { ...base, hashLength: 16 }],
    ['4 GiB of memory (a device denial of service)', { ...base, memoryKiB: 4 * 1024 * 1024 }],
    ['1000 passes', { ...base, iterations: 1000 }],
  ])('refuses %s with kdf_params_invalid', (_, input) => {
    expect(() => parseArgon2Params(input)).toThrow(expect.objectContaining({ code: 'kdf_params_invalid' }));
  });

  it('returns a frozen copy without extra fields', () => {
    const parsed = parseArgon2Params({ ...base, type: 'argon2d' });
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(parsed).not.toHaveProperty('type');
  });
});
