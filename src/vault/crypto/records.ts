/**
 * docs/architecture.md "The key hierarchy", lower half: VK wraps a fresh DEK per record version, the DEK
 * encrypts the record. Both layers are AES-256-GCM bound to (userId, kind, recordId, v).
 *
 * DEK wrapping is AES-GCM rather than AES-KW (RFC 3394): AES-KW takes no associated data, so a
 * wrapped DEK could be moved to another record's slot unnoticed until the record failed to open;
 * with GCM each layer refuses a swap on its own, and the blob format is the one used everywhere.
 *
 * Record plaintext: UTF-8 of JSON.stringify(plaintext object).
 */
import { open, parseGcmBlob, seal, unwrapKeyGcm, wrapKeyGcm, type AeadContext } from './primitives/aead';
import { utf8, wipe } from './primitives/bytes';
import { VaultCryptoError } from '../errors';
import type { Ciphertext, Dek, VaultKey, WrappedKey } from './keys';

/** Where a record belongs; every field is bound into both AADs. `v`: the record's format version. */
export interface RecordContext {
  readonly userId: string;
  readonly recordId: string;
  readonly v: number;
}

/** A record as stored and synced; both fields are opaque blobs (keys.ts). */
export interface EncryptedRecord {
  readonly wrappedDek: WrappedKey;
  readonly ciphertext: Ciphertext;
}

const dekContext = ({ userId, recordId, v }: RecordContext): AeadContext<'dek'> => ({ userId, kind: 'dek', id: recordId, v });
const recordContext = ({ userId, recordId, v }: RecordContext): AeadContext<'record'> => ({ userId, kind: 'record', id: recordId, v });

/** Returns a fresh DEK, extractable so VK can wrap it; never log or export it otherwise. */
export async function createDek(): Promise<Dek> {
  // Exception to non-extractable: wrapKey needs it. It lives for one encryptRecord call only.
  return (await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt'])) as Dek;
}

/** Returns the DEK wrapped under VK with AES-GCM, AAD bound to (userId, 'dek', recordId, v). */
export function wrapDek(dek: Dek, vaultKey: VaultKey, ctx: AeadContext<'dek'>): Promise<WrappedKey> {
  return wrapKeyGcm(dek, vaultKey, ctx);
}

/** Returns the DEK, non-extractable and decrypt-only; throws `decrypt_failed`. Never log it. */
export async function unwrapDek(wrapped: WrappedKey, vaultKey: VaultKey, ctx: AeadContext<'dek'>): Promise<Dek> {
  return (await unwrapKeyGcm(wrapped, vaultKey, ctx, ['decrypt'])) as Dek;
}

/** Encrypts a record under a fresh DEK wrapped by VK. Returns blobs only; never log `plaintext`. */
export async function encryptRecord(
  plaintext: Readonly<Record<string, unknown>>,
  vaultKey: VaultKey,
  ctx: RecordContext,
): Promise<EncryptedRecord> {
  const dek = await createDek();
  const bytes = utf8.encode(JSON.stringify(plaintext));
  try {
    // A fresh DEK per call: no key ever sees two records or two versions, so IV reuse cannot happen
    // across them however many times a record is edited.
    const ciphertext = await seal(dek, bytes, recordContext(ctx));
    return { wrappedDek: await wrapDek(dek, vaultKey, dekContext(ctx)), ciphertext };
  } finally {
    wipe(bytes);
  }
}

/**
 * The DEK of `record` under the first of `vaultKeys` that opens it. A record does not say which
 * vault key wrapped it: after a rotation (lock everywhere) records written before are under a
 * retired key, and a wrong key fails GCM's tag check at once, so trying the current key first and
 * then the retired ones, newest first, costs one failed unwrap per rotation at most.
 */
async function unwrapDekWithAny(record: EncryptedRecord, vaultKeys: VaultKey | readonly VaultKey[], ctx: RecordContext): Promise<Dek> {
  for (const vaultKey of vaultKeys instanceof CryptoKey ? [vaultKeys] : vaultKeys) {
    try {
      return await unwrapDek(record.wrappedDek, vaultKey, dekContext(ctx));
    } catch (error) {
      if (!(error instanceof VaultCryptoError && error.code === 'decrypt_failed')) throw error;
    }
  }
  throw new VaultCryptoError('decrypt_failed', 'Could not decrypt: wrong key, wrong context or damaged data');
}

/**
 * Decrypts a record for exactly this user, record id and version, with the vault key (or any of
 * the vault keys, current first) that wrapped its DEK. Returns the parsed JSON (still to be
 * validated by the caller's schema); throws `decrypt_failed`. Never log the result.
 */
export async function decryptRecord(record: EncryptedRecord, vaultKeys: VaultKey | readonly VaultKey[], ctx: RecordContext): Promise<unknown> {
  const dek = await unwrapDekWithAny(record, vaultKeys, ctx);
  const bytes = await open(dek, record.ciphertext, recordContext(ctx));
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    throw new VaultCryptoError('malformed_plaintext', 'The record plaintext is not JSON');
  } finally {
    wipe(bytes);
  }
}

/** Brands a record read from storage or the server, or throws `malformed_blob`. */
export function parseEncryptedRecord(untrusted: unknown): EncryptedRecord {
  if (typeof untrusted !== 'object' || untrusted === null) throw new VaultCryptoError('malformed_blob', 'Not an encrypted record');
  const { wrappedDek, ciphertext } = untrusted as Record<string, unknown>;
  return { wrappedDek: parseGcmBlob<WrappedKey>(wrappedDek), ciphertext: parseGcmBlob<Ciphertext>(ciphertext) };
}
