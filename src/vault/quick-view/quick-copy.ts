/**
 * A read-only copy of one record sealed under this device's quick-view key (quick-view.ts says
 * what the feature trades away, and the format): AES-256-GCM, fresh IV, AAD bound to the record id.
 * Plaintext in, plaintext out: never log a copy.
 */
import { AES_GCM_IV_BYTES } from '../../../protocol/constants';
import type { QuickViewRow } from '../platform/local-store';
import { VaultError } from '../errors';
import { parseRecordContent } from '../records/record-content';
import type { RecordContent } from '../state';

/** Names what the AAD binds; no other ciphertext of Keyhold uses it (crypto/aead.ts has its own). */
const AAD_LABEL = 'keyhold/quick-view/v1';
const COPY_FORMAT_VERSION = 1;

declare const role: unique symbol;
/** The device key of the read-only copies: AES-256-GCM, non-extractable, never leaves IndexedDB. */
export type QuickViewKey = CryptoKey & { readonly [role]: 'QuickViewKey' };

/** What a copy holds once opened. `content` is plaintext: never log it. */
export interface QuickCopy {
  /** The wrapped DEK of the record version the copy was made from. */
  readonly source: string;
  readonly sealedAt: number;
  readonly content: RecordContent;
}

const encoder = new TextEncoder();

function lengthPrefixed(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}

/** The AAD of the copy of record `id` (encoding in the header). */
export function quickViewAad(id: string): Uint8Array<ArrayBuffer> {
  const label = lengthPrefixed(AAD_LABEL);
  const record = lengthPrefixed(id);
  const out = new Uint8Array(label.length + record.length);
  out.set(label);
  out.set(record, label.length);
  return out;
}

/** Returns a new device key; non-extractable, so not even this app can export it. */
export async function createQuickViewKey(): Promise<QuickViewKey> {
  return (await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])) as QuickViewKey;
}

/** A stored value that is a usable device key (a non-extractable AES-GCM CryptoKey), or null. */
export function readQuickViewKey(value: unknown): QuickViewKey | null {
  if (typeof CryptoKey === 'undefined' || !(value instanceof CryptoKey)) return null;
  const usable = value.algorithm.name === 'AES-GCM' && !value.extractable && value.usages.includes('encrypt') && value.usages.includes('decrypt');
  return usable ? (value as QuickViewKey) : null;
}

/** Encrypts `copy` as the copy of record `id`. Returns ciphertext only; never log `copy`. */
export async function sealQuickCopy(key: QuickViewKey, id: string, copy: QuickCopy): Promise<QuickViewRow> {
  const plaintext = encoder.encode(JSON.stringify({ v: COPY_FORMAT_VERSION, source: copy.source, sealedAt: copy.sealedAt, content: copy.content }));
  try {
    // SP 800-38D §8.2.2: random 96-bit IVs; one device key encrypts far fewer than 2^32 copies.
    const iv = crypto.getRandomValues(new Uint8Array(AES_GCM_IV_BYTES));
    const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: quickViewAad(id) }, key, plaintext);
    return { id, iv, ciphertext };
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Opens the copy stored as `row` (bound to `row.id`). Returns plaintext: never log it. Throws
 * `not_found` when it does not open: another key, another id (a moved copy), or damaged.
 */
export async function openQuickCopy(key: QuickViewKey, row: QuickViewRow): Promise<QuickCopy> {
  let bytes: Uint8Array;
  try {
    const iv = new Uint8Array(row.iv);
    bytes = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: quickViewAad(row.id) }, key, row.ciphertext));
  } catch (cause) {
    throw new VaultError('not_found', 'This item cannot be read.', { cause });
  }
  try {
    const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
    if (parsed.v !== COPY_FORMAT_VERSION || typeof parsed.source !== 'string' || typeof parsed.sealedAt !== 'number') throw new TypeError('copy format');
    return { source: parsed.source, sealedAt: parsed.sealedAt, content: parseRecordContent(parsed.content) };
  } catch (cause) {
    throw new VaultError('not_found', 'This item cannot be read.', { cause });
  } finally {
    bytes.fill(0);
  }
}
