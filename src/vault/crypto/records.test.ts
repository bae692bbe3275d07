import { beforeAll, describe, expect, it } from 'vitest';
import { VaultCryptoError } from '../errors';
import type { VaultKey } from './keys';
import { decryptRecord, encryptRecord, parseEncryptedRecord, unwrapDek, type RecordContext } from './records';

const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (e: unknown) => (e instanceof VaultCryptoError ? e.code : e),
  );

const alice: RecordContext = { userId: 'alice', recordId: 'rec-1', v: 1 };
const note = { title: 'Bank', secret: 'correct horse battery staple', tags: ['finance'] };

describe('record encryption (DEK per record under VK)', () => {
  let vaultKey: VaultKey;
  beforeAll(async () => {
    vaultKey = (await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey'])) as VaultKey;
  });

  it('decrypts what it encrypted', async () => {
    const encrypted = await encryptRecord(note, vaultKey, alice);
    expect(await decryptRecord(parseEncryptedRecord(JSON.parse(JSON.stringify(encrypted))), vaultKey, alice)).toEqual(note);
  });

  it.each([
    ['user B', { ...alice, userId: 'bob' }],
    ['another record id', { ...alice, recordId: 'rec-2' }],
    ['another format version', { ...alice, v: 2 }],
  ])('refuses a record of user A opened as %s with decrypt_failed', async (_, other) => {
    const encrypted = await encryptRecord(note, vaultKey, alice);
    expect(await codeOf(decryptRecord(encrypted, vaultKey, other))).toBe('decrypt_failed');
  });

  it('opens a record under any of several vault keys (current and retired), and refuses one none of them wrapped', async () => {
    const newer = (await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey'])) as VaultKey;
    const stranger = (await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey'])) as VaultKey;
    const old = await encryptRecord(note, vaultKey, alice);
    expect(await decryptRecord(old, [newer, vaultKey], alice)).toEqual(note);
    expect(await codeOf(decryptRecord(old, [newer, stranger], alice))).toBe('decrypt_failed');
    expect(await codeOf(decryptRecord(old, [], alice))).toBe('decrypt_failed');
  });

  it('refuses a wrapped DEK moved from another record with decrypt_failed', async () => {
    const first = await encryptRecord(note, vaultKey, alice);
    const second = await encryptRecord(note, vaultKey, { ...alice, recordId: 'rec-2' });
    expect(await codeOf(decryptRecord({ ...first, wrappedDek: second.wrappedDek }, vaultKey, alice))).toBe('decrypt_failed');
  });

  it('refuses another vault key with decrypt_failed', async () => {
    const encrypted = await encryptRecord(note, vaultKey, alice);
    const otherKey = (await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey'])) as VaultKey;
    expect(await codeOf(decryptRecord(encrypted, otherKey, alice))).toBe('decrypt_failed');
  });

  it('uses a fresh DEK for every encryption and unwraps it non-extractable and decrypt-only', async () => {
    const [a, b] = [await encryptRecord(note, vaultKey, alice), await encryptRecord(note, vaultKey, alice)];
    expect(a.wrappedDek).not.toBe(b.wrappedDek);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    const dek = await unwrapDek(a.wrappedDek, vaultKey, { userId: 'alice', kind: 'dek', id: 'rec-1', v: 1 });
    expect(dek.extractable).toBe(false);
    expect(dek.usages).toEqual(['decrypt']);
  });

  it('refuses a stored record that is not two blobs with malformed_blob', () => {
    expect(() => parseEncryptedRecord({ wrappedDek: 'x', ciphertext: 'y' })).toThrow(expect.objectContaining({ code: 'malformed_blob' }));
  });
});
