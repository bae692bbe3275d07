import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../../../protocol/base64url';
import { encodeAad, open, parseGcmBlob, seal, type AeadContext } from './aead';
import { utf8 } from './bytes';
import { VaultCryptoError } from '../../errors';
import type { Ciphertext, Kek } from '../keys';

const ctx: AeadContext = { userId: 'alice', kind: 'record', id: 'rec-1', v: 1 };
const newKey = async (): Promise<Kek> =>
  (await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])) as Kek;

/** Flips one bit of the blob's byte at `index` (negative: from the end). */
function flipByte(blob: Ciphertext, index: number): Ciphertext {
  const bytes = decodeBase64Url(blob);
  bytes[index < 0 ? bytes.length + index : index]! ^= 0x01;
  return encodeBase64Url(bytes) as Ciphertext;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VaultCryptoError);
  expect((error as VaultCryptoError).code).toBe(code);
}

describe('AES-256-GCM seal and open', () => {
  it('opens what it sealed, with the same key and context', async () => {
    const key = await newKey();
    const blob = await seal(key, utf8.encode('secret note'), ctx);
    expect(utf8.decode(await open(key, blob, ctx))).toBe('secret note');
  });

  it('writes 0x01 || 12-byte IV || ciphertext || 16-byte tag', async () => {
    const blob = await seal(await newKey(), new Uint8Array(5), ctx);
    const bytes = decodeBase64Url(blob);
    expect(bytes[0]).toBe(1);
    expect(bytes.length).toBe(1 + 12 + 5 + 16);
  });

  it('uses a fresh IV for every seal', async () => {
    const key = await newKey();
    const ivs = new Set<string>();
    for (let i = 0; i < 20; i++) ivs.add(encodeBase64Url(decodeBase64Url(await seal(key, new Uint8Array(1), ctx)).subarray(1, 13)));
    expect(ivs.size).toBe(20);
  });

  it.each([
    ['another user id', { ...ctx, userId: 'mallory' }],
    ['another object id', { ...ctx, id: 'rec-2' }],
    ['another kind', { ...ctx, kind: 'dek' as const }],
    ['another format version', { ...ctx, v: 2 }],
  ])('refuses a blob opened with %s as decrypt_failed', async (_, otherCtx) => {
    const key = await newKey();
    const blob = await seal(key, utf8.encode('x'), ctx);
    await expectCode(open(key, blob, otherCtx), 'decrypt_failed');
  });

  it.each([
    ['the IV', 1],
    ['the ciphertext', 14],
    ['the tag', -1],
    ['the format byte', 0],
  ])('refuses a blob with a tampered bit in %s as decrypt_failed', async (_, index) => {
    const key = await newKey();
    const blob = await seal(key, utf8.encode('pay 10 to bob'), ctx);
    await expectCode(open(key, flipByte(blob, index), ctx), 'decrypt_failed');
  });

  it('refuses a truncated blob, a non-base64url blob and a wrong key alike as decrypt_failed', async () => {
    const key = await newKey();
    const blob = await seal(key, utf8.encode('x'), ctx);
    await expectCode(open(key, blob.slice(0, 20) as Ciphertext, ctx), 'decrypt_failed');
    await expectCode(open(key, '!!!!' as Ciphertext, ctx), 'decrypt_failed');
    await expectCode(open(await newKey(), blob, ctx), 'decrypt_failed');
  });

  it('gives the same message whatever failed, so a failure names no part', async () => {
    const [key, otherKey] = [await newKey(), await newKey()];
    const blob = await seal(key, utf8.encode('x'), ctx);
    const messages = await Promise.all(
      [open(key, flipByte(blob, 1), ctx), open(key, blob, { ...ctx, id: 'other' }), open(otherKey, blob, ctx)].map((p) =>
        p.then(
          () => '',
          (e: Error) => `${e.message}|${String(e.cause)}`,
        ),
      ),
    );
    expect(new Set(messages).size).toBe(1);
  });
});

describe('AAD encoding', () => {
  it('length-prefixes each field so that shifting characters between fields changes the AAD', () => {
    const a = encodeAad({ userId: 'ab', kind: 'record', id: 'c', v: 1 });
    const b = encodeAad({ userId: 'a', kind: 'record', id: 'bc', v: 1 });
    expect(encodeBase64Url(a)).not.toBe(encodeBase64Url(b));
  });

  it('is the documented byte string', () => {
    const aad = encodeAad({ userId: 'u', kind: 'dek', id: 'i', v: 258 });
    const lp = (s: string): number[] => [0, 0, 0, s.length, ...utf8.encode(s)];
    expect(Array.from(aad)).toEqual([...lp('keyhold/aad/v1'), ...lp('dek'), ...lp('u'), ...lp('i'), 0, 0, 1, 2]);
  });

  it('is the documented byte string for a context bound to a server version (known answer)', () => {
    const aad = encodeAad({ userId: 'u', kind: 'record', id: 'r', v: 2, serverVersion: 0x01_0000_0102 });
    // lp("keyhold/aad/v2") lp("record") lp("u") lp("r") u32be(2) u64be(0x0100000102)
    expect(encodeBase64Url(aad)).toBe('AAAADmtleWhvbGQvYWFkL3YyAAAABnJlY29yZAAAAAF1AAAAAXIAAAACAAAAAQAAAQI');
  });

  it('never gives a context with a server version the bytes of one without, nor of another version', () => {
    const unbound = encodeBase64Url(encodeAad({ ...ctx, v: 2 }));
    const at1 = encodeBase64Url(encodeAad({ ...ctx, v: 2, serverVersion: 1 }));
    const at2 = encodeBase64Url(encodeAad({ ...ctx, v: 2, serverVersion: 2 }));
    expect(new Set([unbound, at1, at2]).size).toBe(3);
  });

  it('appends lp(app) to a context with an app, and leaves one without it byte for byte (known answer)', () => {
    const bound = { userId: 'u', kind: 'record' as const, id: 'r', v: 2, serverVersion: 0x01_0000_0102 };
    // The known answer above, then lp("fieldnotes").
    expect(encodeBase64Url(encodeAad({ ...bound, app: 'fieldnotes' }))).toBe(
      'AAAADmtleWhvbGQvYWFkL3YyAAAABnJlY29yZAAAAAF1AAAAAXIAAAACAAAAAQAAAQIAAAAKZmllbGRub3Rlcw',
    );
    expect(encodeBase64Url(encodeAad(bound))).toBe('AAAADmtleWhvbGQvYWFkL3YyAAAABnJlY29yZAAAAAF1AAAAAXIAAAACAAAAAQAAAQI');
  });

  it('never gives a context with an app the bytes of one without, nor of another app', () => {
    const forms = [{}, { app: 'keyhold' }, { app: 'fieldnotes' }].flatMap((app) => [
      encodeBase64Url(encodeAad({ ...ctx, ...app })),
      encodeBase64Url(encodeAad({ ...ctx, v: 2, serverVersion: 1, ...app })),
    ]);
    expect(new Set(forms).size).toBe(6);
  });

  it('refuses a blob sealed for one app when opened for another app or for none, as decrypt_failed', async () => {
    const key = await newKey();
    const blob = await seal(key, utf8.encode('x'), { ...ctx, app: 'fieldnotes' });
    await expectCode(open(key, blob, { ...ctx, app: 'keyhold' }), 'decrypt_failed');
    await expectCode(open(key, blob, ctx), 'decrypt_failed');
    expect(utf8.decode(await open(key, blob, { ...ctx, app: 'fieldnotes' }))).toBe('x');
  });

  it.each([
    ['a server version 0', { ...ctx, serverVersion: 0 }],
    ['a fractional server version', { ...ctx, serverVersion: 1.5 }],
    ['an empty user id', { ...ctx, userId: '' }],
    ['an empty app', { ...ctx, app: '' }],
    ['a lone surrogate', { ...ctx, id: 'a\uD800b' }],
    ['a negative version', { ...ctx, v: -1 }],
    ['a fractional version', { ...ctx, v: 1.5 }],
  ])('refuses %s with invalid_context', (_, badCtx) => {
    expect(() => encodeAad(badCtx)).toThrow(expect.objectContaining({ code: 'invalid_context' }));
  });
});

describe('parseGcmBlob', () => {
  it('accepts a sealed blob and refuses what is not one with malformed_blob', async () => {
    const blob = await seal(await newKey(), new Uint8Array(1), ctx);
    expect(parseGcmBlob<Ciphertext>(blob as string)).toBe(blob);
    for (const bad of [42, '', 'AQ', '***', encodeBase64Url(new Uint8Array(40))]) {
      expect(() => parseGcmBlob(bad)).toThrow(expect.objectContaining({ code: 'malformed_blob' }));
    }
  });
});
