/**
 * A record's encrypted form as stored and synced, and its context (records.ts encrypts and opens
 * it): what IndexedDB and the sync engine need without any key, kept apart so the first load does
 * not carry the record encryption.
 */
import { DEFAULT_APP_ID } from '../../../protocol/constants';
import { parseGcmBlob } from './primitives/aead';
import { VaultCryptoError } from '../errors';
import type { Ciphertext, WrappedKey } from './keys';

/**
 * Where a record belongs; every field is bound into both AADs. `v`: the record's format version;
 * `serverVersion`: the server version this ciphertext is (or will be) stored as, required from format 2 on;
 * `app`: the app whose namespace it is in, absent for Keyhold's (see `recordApp`).
 */
export interface RecordContext {
  readonly userId: string;
  readonly recordId: string;
  readonly v: number;
  readonly serverVersion?: number;
  readonly app?: string;
}

/**
 * The `app` part of a record context for the vault of app `appId`: none for Keyhold (the default
 * app), whose records were sealed before apps existed and keep their exact AAD bytes; the app id
 * for any other app, so a record the server hands to the wrong app does not open there.
 */
export const recordApp = (appId: string): { app?: string } => (appId === DEFAULT_APP_ID ? {} : { app: appId });

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
