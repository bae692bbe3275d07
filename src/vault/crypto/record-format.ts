/**
 * A record's encrypted form as stored and synced, and its context (records.ts encrypts and opens
 * it): what IndexedDB and the sync engine need without any key, kept apart so the first load does
 * not carry the record encryption.
 */
import { parseGcmBlob } from './primitives/aead';
import { VaultCryptoError } from '../errors';
import type { Ciphertext, WrappedKey } from './keys';

/**
 * Where a record belongs; every field is bound into both AADs. `v`: the record's format version;
 * `serverVersion`: the server version this ciphertext is (or will be) stored as, required from format 2 on.
 */
export interface RecordContext {
  readonly userId: string;
  readonly recordId: string;
  readonly v: number;
  readonly serverVersion?: number;
}

/** The first format that binds the server version. */
const BOUND_FORMAT = 2;

/** True when a record of format `v` binds its server version into its AAD. */
export const bindsServerVersion = (v: number): boolean => v >= BOUND_FORMAT;

/** A record as stored and synced; both fields are opaque blobs (keys.ts). */
export interface EncryptedRecord {
  readonly wrappedDek: WrappedKey;
  readonly ciphertext: Ciphertext;
}

/** Brands a record read from storage or the server, or throws `malformed_blob`. */
export function parseEncryptedRecord(untrusted: unknown): EncryptedRecord {
  if (typeof untrusted !== 'object' || untrusted === null) throw new VaultCryptoError('malformed_blob', 'Not an encrypted record');
  const { wrappedDek, ciphertext } = untrusted as Record<string, unknown>;
  return { wrappedDek: parseGcmBlob<WrappedKey>(wrappedDek), ciphertext: parseGcmBlob<Ciphertext>(ciphertext) };
}
