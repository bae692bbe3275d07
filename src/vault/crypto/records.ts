/**
 * docs/architecture.md "The key hierarchy", lower half: VK wraps a fresh DEK per record version, the DEK
 * encrypts the record. Both layers are AES-256-GCM bound to (userId, kind, recordId, v), to the app
 * for an app other than Keyhold (record-format.ts `recordApp`) and, from
 * format 2 on, to the key server's version the ciphertext is stored as (`serverVersion`: a write
 * with expectedVersion n is stored as n + 1), so an older ciphertext handed out under a newer
 * version number does not open (docs/architecture.md "Rollback detection"). Format 1 stays readable.
 *
 * DEK wrapping is AES-GCM rather than AES-KW (RFC 3394): AES-KW takes no associated data, so a
 * wrapped DEK could be moved to another record's slot unnoticed until the record failed to open;
 * with GCM each layer refuses a swap on its own, and the blob format is the one used everywhere.
 *
 * Record plaintext: UTF-8 of JSON.stringify(plaintext object).
 *
 * Only the record code (records/, quick-view/) imports this, never through crypto/index.ts: it
 * loads with the unlocked vault, outside the first load. What the first load needs of the format
 * (reading a stored row) is record-format.ts.
 */
import { open, seal, unwrapKeyGcm, wrapKeyGcm, type AeadContext } from './primitives/aead';
import { utf8, wipe } from './primitives/bytes';
import { VaultCryptoError } from '../errors';
import type { Dek, VaultKey, WrappedKey } from './keys';
import { bindsServerVersion, recordApp, type EncryptedRecord, type RecordContext } from './record-format';

/**
 * The context of a stored record of app `appId`: `sealedFor` is the server version its AAD binds
 * (for a synced copy, the version the server stated), used only from format 2 on.
 */
export function storedRecordContext(
  userId: string,
  appId: string,
  row: { readonly id: string; readonly v: number; readonly sealedFor?: number },
): RecordContext {
  return { userId, recordId: row.id, v: row.v, ...(bindsServerVersion(row.v) && { serverVersion: row.sealedFor }), ...recordApp(appId) };
}

/** The server version part of a context: required from format 2 on, absent before (format 1 never bound it). */
function boundVersion({ v, serverVersion }: RecordContext): { serverVersion?: number } {
  if (!bindsServerVersion(v)) return {};
  if (serverVersion === undefined) throw new VaultCryptoError('invalid_context', `A format ${v} record context needs its server version`);
  return { serverVersion };
}

/** The app part of both AADs: bound only when the context names one (never Keyhold's: recordApp). */
const boundApp = ({ app }: RecordContext): { app?: string } => (app === undefined ? {} : { app });

const dekContext = (ctx: RecordContext): AeadContext<'dek'> => ({ userId: ctx.userId, kind: 'dek', id: ctx.recordId, v: ctx.v, ...boundVersion(ctx), ...boundApp(ctx) });
const recordContext = (ctx: RecordContext): AeadContext<'record'> => ({ userId: ctx.userId, kind: 'record', id: ctx.recordId, v: ctx.v, ...boundVersion(ctx), ...boundApp(ctx) });

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
 * Whether `record`'s wrapped DEK opens under one of `vaultKeys` for exactly `ctx` (its server
 * version included): the sync engine's check that a pulled copy is the version the server says it
 * is, at the cost of one AES-GCM unwrap. Returns false for any failure; the DEK is dropped at once.
 */
export async function recordMatchesContext(record: EncryptedRecord, vaultKeys: VaultKey | readonly VaultKey[], ctx: RecordContext): Promise<boolean> {
  try {
    await unwrapDekWithAny(record, vaultKeys, ctx);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decrypts a record for exactly this user, record id, format and server version, with the vault key (or any of
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
