/**
 * The Keyhold backup file: a vault's items sealed under a passphrase the user chooses, importable
 * into any account (docs/architecture.md "Import and export" documents the format). A JSON text:
 *
 *   { "format": "keyhold-backup", "version": 1, "createdAt": <epoch ms>,
 *     "kdf": { "alg": "argon2id", "salt": <16 bytes, base64url>, "memoryKiB", "iterations", "parallelism" },
 *     "cipher": { "alg": "A256GCM", "iv": <12 bytes, base64url> },
 *     "ciphertext": <ciphertext || 16-byte tag, base64url> }
 *
 *   key       = HKDF-SHA-256(Argon2id(UTF-8 of NFKC(passphrase), salt; m, t, p; 32 bytes), salt, "keyhold/backup/v1")
 *   AAD       = UTF-8 of the canonical header, exactly (no spaces, this key order):
 *               {"format":"keyhold-backup","version":1,"createdAt":…,"kdf":{"alg":"argon2id","salt":"…","memoryKiB":…,"iterations":…,"parallelism":…}}
 *   plaintext = UTF-8 JSON { "items": [ record content as in records/record-content.ts ] }
 *
 * Binding the header as AAD means no field of it can be changed (a cheaper cost, another date)
 * without the file failing to open. Reading a file refuses Argon2 costs under the vault's floor
 * or over its ceilings before hashing anything (keys.ts parseArgon2Params).
 */
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import { AES_GCM_IV_BYTES, AES_GCM_TAG_BYTES, ARGON2_HASH_LENGTH, ARGON2_SALT_BYTES, BACKUP_PASSPHRASE_MIN_CHARS, RECORDS_MAX_PER_USER } from '../../../protocol/constants';
import { deriveBackupKey, openBackupPayload, sealBackupPayload } from '../crypto/backup-key';
import { parseArgon2Params, type Argon2Params } from '../crypto/keys';
import type { DeriveArgon2 } from '../crypto/local/unlock';
import { randomBytes, utf8 } from '../crypto/primitives/bytes';
import { VaultCryptoError, VaultError } from '../errors';
import type { RecordContent } from '../state';
import { ImportCollector, type ParsedImport } from './import-items';
import { plainRecord } from './plain-export';
import { readLocation } from '../records/record-content';

export const BACKUP_FORMAT = 'keyhold-backup';
export const BACKUP_VERSION = 1;

/** A backup file's envelope, its shape checked (its Argon2 costs are checked when it is opened). */
export interface KeyholdBackupFile {
  readonly format: typeof BACKUP_FORMAT;
  readonly version: typeof BACKUP_VERSION;
  readonly createdAt: number;
  readonly kdf: {
    readonly alg: 'argon2id';
    readonly salt: string;
    readonly memoryKiB: number;
    readonly iterations: number;
    readonly parallelism: number;
  };
  readonly cipher: { readonly alg: 'A256GCM'; readonly iv: string };
  readonly ciphertext: string;
}

function unreadable(what: string): VaultError {
  return new VaultError('import_unreadable', `This Keyhold backup file is damaged: ${what}.`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function base64UrlOf(value: unknown, minBytes: number, maxBytes: number, field: string): string {
  if (typeof value === 'string') {
    try {
      const length = decodeBase64Url(value).length;
      if (length >= minBytes && length <= maxBytes) return value;
    } catch {
      // reported below
    }
  }
  throw unreadable(`its ${field} is not what the format says`);
}

/**
 * Checks the envelope of a parsed backup file. Throws `import_unreadable` for a damaged one and
 * `import_unsupported` for a later version of the format.
 */
export function parseBackupFile(untrusted: unknown): KeyholdBackupFile {
  if (!isObject(untrusted) || untrusted.format !== BACKUP_FORMAT) throw unreadable('it is not a Keyhold backup');
  if (untrusted.version !== BACKUP_VERSION) {
    throw new VaultError('import_unsupported', 'This Keyhold backup was made by a later version of Keyhold. Update the app, then import it again.');
  }
  const { createdAt, kdf, cipher, ciphertext } = untrusted;
  if (!isCount(createdAt)) throw unreadable('its date is not what the format says');
  if (!isObject(kdf) || kdf.alg !== 'argon2id' || !isCount(kdf.memoryKiB) || !isCount(kdf.iterations) || !isCount(kdf.parallelism)) {
    throw unreadable('its key derivation is not what the format says');
  }
  if (!isObject(cipher) || cipher.alg !== 'A256GCM') throw unreadable('its cipher is not what the format says');
  return {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt,
    kdf: {
      alg: 'argon2id',
      salt: base64UrlOf(kdf.salt, ARGON2_SALT_BYTES, 64, 'salt'),
      memoryKiB: kdf.memoryKiB,
      iterations: kdf.iterations,
      parallelism: kdf.parallelism,
    },
    cipher: { alg: 'A256GCM', iv: base64UrlOf(cipher.iv, AES_GCM_IV_BYTES, AES_GCM_IV_BYTES, 'IV') },
    ciphertext: base64UrlOf(ciphertext, AES_GCM_TAG_BYTES, Number.MAX_SAFE_INTEGER, 'ciphertext'),
  };
}

/** The AAD: the header's fields in a fixed order, so writer and reader build the same bytes. */
function canonicalHeader(file: Pick<KeyholdBackupFile, 'format' | 'version' | 'createdAt' | 'kdf'>): Uint8Array<ArrayBuffer> {
  const { alg, salt, memoryKiB, iterations, parallelism } = file.kdf;
  return utf8.encode(JSON.stringify({ format: file.format, version: file.version, createdAt: file.createdAt, kdf: { alg, salt, memoryKiB, iterations, parallelism } }));
}

/** Throws `passphrase_weak` for a passphrase under BACKUP_PASSPHRASE_MIN_CHARS characters (code points, after NFKC). */
export function assertBackupPassphrase(passphrase: string): void {
  if ([...passphrase.normalize('NFKC')].length < BACKUP_PASSPHRASE_MIN_CHARS) {
    throw new VaultError('passphrase_weak', `A backup passphrase has at least ${BACKUP_PASSPHRASE_MIN_CHARS} characters.`);
  }
}

/**
 * Seals `items` into a backup file's JSON text under `passphrase` (Argon2id with `params`, which
 * must pass the vault's floor). Returns the file's text; never log the passphrase or the items.
 * Throws `passphrase_weak`, `kdf_too_weak`, `kdf_params_invalid`.
 */
export async function sealBackup(
  items: readonly RecordContent[],
  passphrase: string,
  argon2: DeriveArgon2,
  params: Argon2Params,
  now: number,
  signal?: AbortSignal,
): Promise<string> {
  assertBackupPassphrase(passphrase);
  const checked = parseArgon2Params(params);
  const salt = randomBytes(ARGON2_SALT_BYTES);
  const header = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: Math.floor(now),
    kdf: { alg: 'argon2id', salt: encodeBase64Url(salt), memoryKiB: checked.memoryKiB, iterations: checked.iterations, parallelism: checked.parallelism },
  } as const;
  const key = await deriveBackupKey(passphrase, salt, checked, argon2, signal);
  const plaintext = utf8.encode(JSON.stringify({ items: items.map(plainRecord) }));
  const sealed = await sealBackupPayload(key, plaintext, canonicalHeader(header));
  const file: KeyholdBackupFile = { ...header, cipher: { alg: 'A256GCM', iv: encodeBase64Url(sealed.iv) }, ciphertext: encodeBase64Url(sealed.ciphertext) };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * Opens a backup file with its passphrase into items to preview. Returns plaintext records: never
 * log them. Throws `backup_passphrase_wrong` (wrong passphrase, or any byte of the file altered),
 * `kdf_too_weak` / `kdf_params_invalid` (costs outside the vault's bounds, refused before hashing),
 * `import_unreadable` (an authentic file whose content is not a list of items).
 */
export async function openBackup(file: KeyholdBackupFile, passphrase: string, argon2: DeriveArgon2, signal?: AbortSignal): Promise<ParsedImport> {
  const params = parseArgon2Params({ ...file.kdf, hashLength: ARGON2_HASH_LENGTH });
  const key = await deriveBackupKey(passphrase, decodeBase64Url(file.kdf.salt), params, argon2, signal);
  let plaintext: Uint8Array;
  try {
    plaintext = await openBackupPayload(key, decodeBase64Url(file.cipher.iv), decodeBase64Url(file.ciphertext), canonicalHeader(file));
  } catch (error) {
    if (error instanceof VaultCryptoError && error.code === 'decrypt_failed') {
      throw new VaultError('backup_passphrase_wrong', 'The passphrase does not open this backup, or the file was altered.');
    }
    throw error;
  }
  let content: unknown;
  try {
    content = JSON.parse(utf8.decode(plaintext));
  } catch {
    throw unreadable('its content is not JSON');
  }
  if (!isObject(content) || !Array.isArray(content.items)) throw unreadable('its content holds no list of items');
  if (content.items.length > RECORDS_MAX_PER_USER) {
    throw new VaultError('import_too_large', `The backup holds more than ${RECORDS_MAX_PER_USER} items, the most an account can keep.`);
  }
  const collector = new ImportCollector();
  content.items.forEach((item: unknown, index) => addKeyholdItem(collector, index + 1, item));
  return collector.result('keyhold-backup');
}

/** One item of Keyhold's own JSON (a backup's content or a plain export), checked like any other. */
export function addKeyholdItem(collector: ImportCollector, row: number, item: unknown): void {
  if (!isObject(item)) return collector.skip(row, 'This item is not an object.');
  const field = (name: string): string => (typeof item[name] === 'string' ? (item[name] as string) : '');
  if (item.kind === 'note') {
    const location = readLocation(item.location);
    if (location === null) return collector.skip(row, 'The location is not a latitude and longitude in degrees.');
    return collector.note(row, { title: field('title'), body: field('body'), ...(location && { location }) });
  }
  if (item.kind !== 'login') return collector.skip(row, 'The kind is neither login nor note.');
  collector.login(row, { title: field('title'), username: field('username'), password: field('password'), url: field('url'), notes: field('notes') });
}
