import { beforeAll, describe, expect, it } from 'vitest';
import { VaultCryptoError } from '../errors';
import type { VaultKey } from './keys';
import { DEFAULT_APP_ID } from '../../../protocol/constants';
import { decryptRecord, encryptRecord, recordMatchesContext, storedRecordContext, unwrapDek } from './records';
import { parseEncryptedRecord, type RecordContext } from './record-format';

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
    ['another format version', { ...alice, v: 2, serverVersion: 1 }],
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

describe('record format 2: bound to the server version it is stored as', () => {
  let vaultKey: VaultKey;
  const at5: RecordContext = { userId: 'alice', recordId: 'rec-1', v: 2, serverVersion: 5 };
  beforeAll(async () => {
    vaultKey = (await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey'])) as VaultKey;
  });

  it('opens as the version it was sealed for, and refuses it as version 4 or 6 with decrypt_failed', async () => {
    const sealed = await encryptRecord(note, vaultKey, at5);
    expect(await decryptRecord(sealed, vaultKey, at5)).toEqual(note);
    expect(await recordMatchesContext(sealed, vaultKey, at5)).toBe(true);
    for (const serverVersion of [4, 6]) {
      expect(await codeOf(decryptRecord(sealed, vaultKey, { ...at5, serverVersion }))).toBe('decrypt_failed');
      expect(await recordMatchesContext(sealed, vaultKey, { ...at5, serverVersion })).toBe(false);
    }
  });

  it('refuses a version 5 ciphertext read as format 1 (unbound), and a format 1 record read as format 2', async () => {
    const bound = await encryptRecord(note, vaultKey, at5);
    expect(await codeOf(decryptRecord(bound, vaultKey, { ...at5, v: 1, serverVersion: undefined }))).toBe('decrypt_failed');
    const unbound = await encryptRecord(note, vaultKey, alice);
    expect(await codeOf(decryptRecord(unbound, vaultKey, { ...alice, v: 2, serverVersion: 1 }))).toBe('decrypt_failed');
    expect(await decryptRecord(unbound, vaultKey, alice)).toEqual(note);
  });

  it('refuses a format 2 context without its server version with invalid_context', async () => {
    expect(await codeOf(encryptRecord(note, vaultKey, { ...at5, serverVersion: undefined }))).toBe('invalid_context');
  });
});

describe('records of an app other than Keyhold (issue 17)', () => {
  /**
   * A record sealed by the code before apps existed (format 2, sealed for server version 3) under the
   * vault key 01 02 … 20: Keyhold must still open it, so its record and DEK contexts kept their bytes.
   */
  const sealedBeforeApps = {
    wrappedDek: 'AXPcBMID6cz5OQ_qoyBZqUp77lAaElxZ4CmgraKdigr1bo4-iQHEBIGKgrzsinMHKIpmUd9iwMFWCC72Mw',
    ciphertext:
      'Aefzl--59G0ZbxnZ96MWDdEaF2RsBZlyeFJfr9rdk3Waa-OoRRmSETxjY_jC2gtH87NmDxykgz5VpvlKAo6Elp2zF-7LfVxJxePOfG6KYDzOEOn1jdG1KqgDiQTFD33eu2A',
  };
  const row = { id: 'rec-17', v: 2, sealedFor: 3 };
  let knownKey: VaultKey;
  let vaultKey: VaultKey;
  beforeAll(async () => {
    const raw = new Uint8Array(32).map((_, i) => i + 1);
    knownKey = (await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['wrapKey', 'unwrapKey'])) as VaultKey;
    vaultKey = (await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey'])) as VaultKey;
  });

  it("opens Keyhold's record sealed before apps existed (known answer), and refuses it as another app's", async () => {
    const sealed = parseEncryptedRecord(sealedBeforeApps);
    expect(await decryptRecord(sealed, knownKey, storedRecordContext('u-17', DEFAULT_APP_ID, row))).toEqual({
      kind: 'note',
      title: 'Known answer',
      notes: 'made before issue 17',
    });
    expect(await codeOf(decryptRecord(sealed, knownKey, storedRecordContext('u-17', 'fieldnotes', row)))).toBe('decrypt_failed');
  });

  it("refuses an app's record opened as Keyhold's or as a third app's, and its DEK moved there", async () => {
    const fieldNotes = storedRecordContext('alice', 'fieldnotes', row);
    const encrypted = await encryptRecord(note, vaultKey, fieldNotes);
    expect(await decryptRecord(encrypted, vaultKey, fieldNotes)).toEqual(note);
    for (const appId of [DEFAULT_APP_ID, 'tasks']) {
      const other = storedRecordContext('alice', appId, row);
      expect(await codeOf(decryptRecord(encrypted, vaultKey, other))).toBe('decrypt_failed');
      expect(await recordMatchesContext(encrypted, vaultKey, other)).toBe(false);
    }
  });

  it("refuses Keyhold's record opened as an app's", async () => {
    const keyhold = storedRecordContext('alice', DEFAULT_APP_ID, row);
    const encrypted = await encryptRecord(note, vaultKey, keyhold);
    expect(await codeOf(decryptRecord(encrypted, vaultKey, storedRecordContext('alice', 'fieldnotes', row)))).toBe('decrypt_failed');
  });
});
