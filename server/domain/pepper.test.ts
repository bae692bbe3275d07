import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPepper, loadPepper } from './pepper';

const key = (fill: number) => new Uint8Array(32).fill(fill);

describe('pepper', () => {
  it('opens what it sealed, only with the same context', () => {
    const pepper = createPepper(key(1));
    const sealed = pepper.seal(new TextEncoder().encode('k_u'), 'pin-recovery:user-1');
    expect(new TextDecoder().decode(pepper.open(sealed, 'pin-recovery:user-1'))).toBe('k_u');
    expect(() => pepper.open(sealed, 'pin-recovery:user-2')).toThrow();
  });

  it('refuses a sealed value under another pepper or with a flipped bit', () => {
    const sealed = createPepper(key(1)).seal(new Uint8Array([1, 2, 3]), 'ctx');
    expect(() => createPepper(key(2)).open(sealed, 'ctx')).toThrow();
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 20]! ^= 1;
    expect(() => createPepper(key(1)).open(bytes.toString('base64url'), 'ctx')).toThrow();
  });

  it('seals the same value differently each time (fresh IV)', () => {
    const pepper = createPepper(key(1));
    expect(pepper.seal(new Uint8Array(8), 'c')).not.toBe(pepper.seal(new Uint8Array(8), 'c'));
  });

  it('derives stable, context-separated decoys', () => {
    const pepper = createPepper(key(1));
    expect(pepper.derive('a', 'bob')).toEqual(pepper.derive('a', 'bob'));
    expect(pepper.derive('a', 'bob')).not.toEqual(pepper.derive('b', 'bob'));
    expect(pepper.derive('a', 'bob')).not.toEqual(createPepper(key(2)).derive('a', 'bob'));
  });

  it('creates a pepper file once and reads the same key back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-pepper-'));
    try {
      const file = join(dir, 'nested', 'pepper');
      const first = loadPepper(undefined, file);
      expect(first.generated).toBe(true);
      const second = loadPepper(undefined, file);
      expect(second.generated).toBe(false);
      const sealed = first.pepper.seal(new Uint8Array([9]), 'x');
      expect(second.pepper.open(sealed, 'x')).toEqual(new Uint8Array([9]));
      expect(readFileSync(file, 'utf8').trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
