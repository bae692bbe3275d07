import { afterEach, describe, expect, it, vi } from 'vitest';
import { PASSWORD_CLASSES, generatePassword, uniformIndexes } from './password-generator';

const classOf = (char: string) => Object.entries(PASSWORD_CLASSES).find(([, members]) => members.includes(char))?.[0];

describe('generatePassword', () => {
  afterEach(() => vi.restoreAllMocks());

  it('makes 20 characters with every class by default', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword();
      expect(password).toHaveLength(20);
      expect(new Set([...password].map(classOf))).toEqual(new Set(['lower', 'upper', 'digits', 'symbols']));
    }
  });

  it('leaves out the classes that are turned off', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword({ length: 12, symbols: false, digits: false });
      expect(password).toMatch(/^[a-zA-Z]{12}$/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[A-Z]/);
    }
    expect(generatePassword({ length: 30, symbols: false })).toMatch(/^[a-zA-Z0-9]{30}$/);
  });

  it('still holds one of each class at the shortest length', () => {
    for (let i = 0; i < 100; i++) {
      expect(new Set([...generatePassword({ length: 4 })].map(classOf)).size).toBe(4);
    }
  });

  it('refuses lengths it cannot meet', () => {
    expect(() => generatePassword({ length: 3 })).toThrow(RangeError);
    expect(() => generatePassword({ length: 129 })).toThrow(RangeError);
    expect(() => generatePassword({ length: 10.5 })).toThrow(RangeError);
  });

  it('draws from crypto.getRandomValues', () => {
    const spy = vi.spyOn(crypto, 'getRandomValues');
    generatePassword();
    expect(spy).toHaveBeenCalled();
  });
});

describe('uniformIndexes (rejection sampling)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('discards the words that would bias the result', () => {
    // n = 3: 2^32 mod 3 = 1, so the one word 0xFFFFFFFF must be rejected, never mapped to 0.
    const words = [0xffff_ffff, 0xffff_fffe, 5];
    vi.spyOn(crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      const view = array as unknown as Uint32Array;
      view.fill(0xffff_ffff);
      view.set(words.splice(0, view.length));
      return array;
    });
    // 0xFFFFFFFE % 3 = 2 and 5 % 3 = 2: the first word is skipped.
    expect(uniformIndexes(3, 2)).toEqual([2, 2]);
  });

  it('spreads values evenly over a small alphabet', () => {
    const counts = new Array<number>(7).fill(0);
    for (const i of uniformIndexes(7, 70_000)) counts[i]!++;
    // Each expected 10 000; ±5 % is far beyond chance (σ ≈ 93) yet catches a gross bias.
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});
