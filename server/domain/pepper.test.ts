import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../protocol/base64url';
import { createPepper, loadPepper, SealError } from './pepper';

const key = (fill: number) => new Uint8Array(32).fill(fill);
const b64 = (bytes: Uint8Array) => encodeBase64Url(bytes);

/** A value as the server sealed it before key ids (format 1), byte for byte: the values already in databases. */
function sealFormat1(pepper: Uint8Array, plaintext: Uint8Array, context: string): string {
  const sealKey = createHmac('sha256', pepper).update('keyhold/pepper/seal/v1').digest();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return encodeBase64Url(Buffer.concat([Buffer.of(1), iv, body, cipher.getAuthTag()]));
}

function sealErrorOf(run: () => unknown): SealError {
  try {
    run();
  } catch (error) {
    if (error instanceof SealError) return error;
    throw error;
  }
  throw new Error('expected a SealError');
}

describe('pepper', () => {
  it('opens what it sealed, only with the same context', () => {
    const pepper = createPepper(key(1));
    const sealed = pepper.seal(new TextEncoder().encode('k_u'), 'pin-recovery:user-1');
    expect(new TextDecoder().decode(pepper.open(sealed, 'pin-recovery:user-1'))).toBe('k_u');
    expect(sealErrorOf(() => pepper.open(sealed, 'pin-recovery:user-2')).code).toBe('seal_broken');
  });

  it('refuses a sealed value under another pepper or with a flipped bit', () => {
    const sealed = createPepper(key(1)).seal(new Uint8Array([1, 2, 3]), 'ctx');
    expect(sealErrorOf(() => createPepper(key(2)).open(sealed, 'ctx')).code).toBe('seal_pepper_unknown');
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 20]! ^= 1;
    expect(sealErrorOf(() => createPepper(key(1)).open(bytes.toString('base64url'), 'ctx')).code).toBe('seal_broken');
  });

  it('seals the same value differently each time (fresh IV)', () => {
    const pepper = createPepper(key(1));
    expect(pepper.seal(new Uint8Array(8), 'c')).not.toBe(pepper.seal(new Uint8Array(8), 'c'));
  });

  it('names the sealing pepper in every sealed value by a stable 8-hex key id that differs between peppers', () => {
    const one = createPepper(key(1));
    expect(one.keyId).toMatch(/^[0-9a-f]{8}$/);
    expect(createPepper(key(1)).keyId).toBe(one.keyId);
    expect(createPepper(key(2)).keyId).not.toBe(one.keyId);
    const sealed = Buffer.from(one.seal(new Uint8Array([7]), 'c'), 'base64url');
    expect(sealed[0]).toBe(2);
    expect(sealed.subarray(1, 5).toString('hex')).toBe(one.keyId);
    expect(one.sealedWith(sealed.toString('base64url'))).toBe(one.keyId);
  });

  it('authenticates the header: a value relabelled with another key id does not open', () => {
    const one = createPepper(key(1));
    const both = createPepper(key(2), { previous: key(1), decoys: key(1) });
    const bytes = Buffer.from(one.seal(new Uint8Array([7]), 'c'), 'base64url');
    Buffer.from(both.keyId, 'hex').copy(bytes, 1);
    expect(sealErrorOf(() => both.open(bytes.toString('base64url'), 'c')).code).toBe('seal_broken');
  });

  it('opens values sealed before key ids (format 1) with the current or the previous pepper, and reports no key id for them', () => {
    const legacy = sealFormat1(key(1), new Uint8Array([4, 5, 6]), 'totp-secret:u1');
    expect(createPepper(key(1)).open(legacy, 'totp-secret:u1')).toEqual(new Uint8Array([4, 5, 6]));
    const rotating = createPepper(key(2), { previous: key(1), decoys: key(1) });
    expect(rotating.open(legacy, 'totp-secret:u1')).toEqual(new Uint8Array([4, 5, 6]));
    expect(rotating.sealedWith(legacy)).toBeNull();
    expect(sealErrorOf(() => createPepper(key(3)).open(legacy, 'totp-secret:u1')).code).toBe('seal_broken');
  });

  it('during a rotation seals under the current pepper only and opens values of either', () => {
    const old = createPepper(key(1));
    const rotating = createPepper(key(2), { previous: key(1), decoys: key(1) });
    expect(rotating.keyIds).toEqual([createPepper(key(2)).keyId, old.keyId]);
    const before = old.seal(new Uint8Array([1]), 'c');
    const after = rotating.seal(new Uint8Array([2]), 'c');
    expect(rotating.open(before, 'c')).toEqual(new Uint8Array([1]));
    expect(rotating.sealedWith(after)).toBe(rotating.keyId);
    expect(createPepper(key(2)).open(after, 'c')).toEqual(new Uint8Array([2]));
    const refusal = sealErrorOf(() => old.open(after, 'c'));
    expect(refusal.code).toBe('seal_pepper_unknown');
    expect(refusal.keyId).toBe(rotating.keyId);
    expect(refusal.message).toContain(rotating.keyId);
  });

  it('MACs with a subkey per purpose, names the pepper by its key id, and verifies in either pepper of a rotation', () => {
    const data = new TextEncoder().encode('head');
    const old = createPepper(key(1));
    const mac = old.mac('keyhold/log-head/v1', data);
    // HMAC-SHA-256 under HMAC(pepper, purpose): recomputed here from the definition.
    const subkey = createHmac('sha256', key(1)).update('keyhold/log-head/v1').digest();
    expect(mac).toBe(`${old.keyId}.${b64(createHmac('sha256', subkey).update(data).digest())}`);
    expect(old.macKeyId(mac)).toBe(old.keyId);
    expect(old.verifyMac('keyhold/log-head/v1', data, mac)).toBe(true);
    expect(old.verifyMac('keyhold/other/v1', data, mac)).toBe(false);
    expect(old.verifyMac('keyhold/log-head/v1', new TextEncoder().encode('head2'), mac)).toBe(false);
    const rotating = createPepper(key(2), { previous: key(1), decoys: key(1) });
    expect(rotating.verifyMac('keyhold/log-head/v1', data, mac)).toBe(true);
    expect(rotating.mac('keyhold/log-head/v1', data)).not.toBe(mac);
    expect(createPepper(key(2)).verifyMac('keyhold/log-head/v1', data, mac)).toBe(false);
    // A flipped tag, a key id relabelled to the other pepper, or no tag at all: refused.
    const tag = mac.split('.')[1]!;
    expect(old.verifyMac('keyhold/log-head/v1', data, `${old.keyId}.${tag.slice(0, -2)}AA`)).toBe(false);
    expect(rotating.verifyMac('keyhold/log-head/v1', data, `${rotating.keyId}.${tag}`)).toBe(false);
    expect(old.verifyMac('keyhold/log-head/v1', data, old.keyId)).toBe(false);
    expect(old.macKeyId('nonsense')).toBeNull();
  });

  it('leaves no copy of an opened value in Node\'s shared Buffer pool', () => {
    const pepper = createPepper(randomBytes(32));
    // The pool slab small Buffers are cut from now: where a copy made while opening would sit.
    const slab = () => Buffer.from(Buffer.allocUnsafe(1).buffer);
    const secret = randomBytes(32); // its own ArrayBuffer, not the pool
    pepper.open(pepper.seal(secret, 'context'), 'context').fill(0);
    expect(slab().indexOf(secret)).toBe(-1);
  });

  it('refuses a previous pepper equal to the current one', () => {
    expect(() => createPepper(key(1), { previous: key(1) })).toThrow(/same pepper/);
  });

  it('refuses a value in no known format', () => {
    expect(sealErrorOf(() => createPepper(key(1)).open(encodeBase64Url(new Uint8Array([9, 1, 2])), 'c')).code).toBe('seal_format_unknown');
    expect(sealErrorOf(() => createPepper(key(1)).sealedWith('')).code).toBe('seal_format_unknown');
  });

  it('derives stable, context-separated decoys from the decoy pepper, which a rotation keeps', () => {
    const pepper = createPepper(key(1));
    expect(pepper.derive('a', 'bob')).toEqual(pepper.derive('a', 'bob'));
    expect(pepper.derive('a', 'bob')).not.toEqual(pepper.derive('b', 'bob'));
    expect(pepper.derive('a', 'bob')).not.toEqual(createPepper(key(2)).derive('a', 'bob'));
    expect(createPepper(key(2), { previous: key(1), decoys: key(1) }).derive('a', 'bob')).toEqual(pepper.derive('a', 'bob'));
    expect(createPepper(key(3), { decoys: key(1) }).derive('a', 'bob')).toEqual(pepper.derive('a', 'bob'));
  });
});

describe('loadPepper', () => {
  let dir: string;
  const none = { pepper: undefined, pepperPrevious: undefined, pepperDecoys: undefined };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kh-pepper-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a pepper file once and reads the same key back', () => {
    const nested = join(dir, 'nested');
    const first = loadPepper(none, nested);
    expect(first.generated).toBe(true);
    const second = loadPepper(none, nested);
    expect(second.generated).toBe(false);
    const sealed = first.pepper.seal(new Uint8Array([9]), 'x');
    expect(second.pepper.open(sealed, 'x')).toEqual(new Uint8Array([9]));
    expect(readFileSync(join(nested, 'pepper'), 'utf8').trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('creates nothing when told not to (the rotation command)', () => {
    expect(() => loadPepper(none, dir, { create: false })).toThrow(/no pepper: set PEPPER or provide/);
  });

  it('takes the previous and decoy peppers from the environment or from pepper.previous and pepper.decoys', () => {
    const fromEnv = loadPepper({ pepper: b64(key(2)), pepperPrevious: b64(key(1)), pepperDecoys: b64(key(1)) }, dir).pepper;
    expect(fromEnv.keyIds).toEqual([createPepper(key(2)).keyId, createPepper(key(1)).keyId]);
    writeFileSync(join(dir, 'pepper'), `${b64(key(2))}\n`);
    writeFileSync(join(dir, 'pepper.previous'), `${b64(key(1))}\n`);
    writeFileSync(join(dir, 'pepper.decoys'), `${b64(key(1))}\n`);
    const fromFiles = loadPepper(none, dir).pepper;
    expect(fromFiles.keyIds).toEqual(fromEnv.keyIds);
    expect(fromFiles.derive('d', 'x')).toEqual(createPepper(key(1)).derive('d', 'x'));
  });

  it('refuses a rotation without a decoy pepper, naming the settings and no value', () => {
    const attempt = () => loadPepper({ pepper: b64(key(2)), pepperPrevious: b64(key(1)), pepperDecoys: undefined }, dir);
    expect(attempt).toThrow(/PEPPER_PREVIOUS is set but PEPPER_DECOYS is not/);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain(b64(key(1)));
      expect((error as Error).message).not.toContain(b64(key(2)));
    }
  });

  it('reads a pepper file written by `basenc --base64url` (with its = of padding)', () => {
    writeFileSync(join(dir, 'pepper'), `${Buffer.from(key(5)).toString('base64url')}=\n`);
    expect(loadPepper(none, dir, { create: false }).pepper.keyId).toBe(createPepper(key(5)).keyId);
  });

  it('refuses a pepper file that does not hold 32 bytes', () => {
    writeFileSync(join(dir, 'pepper.previous'), 'c2hvcnQ\n');
    expect(() => loadPepper({ ...none, pepper: b64(key(2)), pepperDecoys: b64(key(1)) }, dir)).toThrow(/pepper.previous does not hold a 32-byte/);
  });
});
