import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { concatBytes } from '@noble/hashes/utils.js';
import { decodeBase64Url, encodeBase64Url, isBase64Url } from '../../protocol/base64url';

/**
 * The pepper is the server master key. It lives outside the database (environment or a 0600
 * file), so a stolen database opens nothing it seals and allows no offline guessing.
 *
 * It has two jobs, and they rotate differently (SECURITY.md "Rotating the pepper"):
 * - **sealing** k_u, R and TOTP secrets. Every sealed value names the pepper that sealed it by a
 *   key id, so during a rotation a process holding two peppers opens each value with the right one,
 *   seals only under the current one, and `npm run pepper:rotate` finds what is left to re-seal.
 * - **deriving decoys** for usernames with no account or no recovery record (recovery-subject.ts,
 *   oprf.ts `decoyKeySeed`, the passkey sign-in decoys). These must NOT change when the sealing
 *   pepper does: a prober who asked about a username before and after a rotation would see a
 *   decoy's salt, OPRF answer, guess counter and credential id change while a real account's stay
 *   put, and so learn which usernames are not accounts. Decoys therefore come from the "decoy
 *   pepper" (PEPPER_DECOYS), which defaults to the current pepper and is pinned to the old one
 *   when a rotation starts (loadPepper refuses a rotation without it).
 *
 * Sealed format 2 (base64url): 0x02 ‖ key id (4 bytes) ‖ IV (12) ‖ AES-256-GCM ciphertext ‖ tag (16),
 * AAD = the 5 header bytes ‖ context. Format 1 (before key ids): 0x01 ‖ IV ‖ ciphertext ‖ tag,
 * AAD = context; still opened (with each pepper in turn), never written.
 */
export interface Pepper {
  /** Key id of the pepper that seals (8 hex digits): a fingerprint, safe to log, useless to guess the pepper from. */
  readonly keyId: string;
  /** Key ids of every pepper this process opens with: the current one first, then PEPPER_PREVIOUS. */
  readonly keyIds: readonly string[];
  /** Seals a value (AES-256-GCM, AAD = header ‖ context) under the current pepper; returns base64url. Never log the plaintext. */
  seal(plaintext: Uint8Array, context: string): string;
  /** Opens what `seal` made with the same context, under whichever held pepper sealed it; throws SealError otherwise. Never log the result. */
  open(sealed: string, context: string): Uint8Array;
  /** The key id a sealed value names, or `null` for format 1 (sealed before key ids). Opens nothing. */
  sealedWith(sealed: string): string | null;
  /** A deterministic keyed digest (HMAC-SHA-256) under the decoy pepper, for decoys that must look real and stay stable. */
  derive(context: string, input: string): Uint8Array;
  /**
   * A MAC (HMAC-SHA-256 under the current pepper's subkey for `purpose`) over `data`, as
   * `<key id>.<base64url tag>`: what seals a value the server must read in the clear but nobody
   * without the pepper may forge (the account log head).
   */
  mac(purpose: string, data: Uint8Array): string;
  /** Whether `mac` is `mac(purpose, data)` under a held pepper (the one its key id names); compared in constant time. */
  verifyMac(purpose: string, data: Uint8Array, mac: string): boolean;
  /** The key id a MAC names, or null when it names none. Verifies nothing. */
  macKeyId(mac: string): string | null;
}

/** Why a sealed value did not open: names key ids only, never a key or a plaintext. */
export class SealError extends Error {
  override readonly name = 'SealError';
  constructor(
    readonly code: 'seal_format_unknown' | 'seal_pepper_unknown' | 'seal_broken',
    message: string,
    /** The key id the value names (`null` for format 1 or an unreadable value). */
    readonly keyId: string | null,
  ) {
    super(message);
  }
}

const FORMAT_1 = 1;
const FORMAT_2 = 2;
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_2 = 1 + KEY_ID_BYTES;

interface SealingKey {
  id: Buffer;
  idHex: string;
  key: Buffer;
  /** The pepper itself, for the MAC subkeys (never logged, never leaves this module). */
  pepper: Uint8Array;
}

const subkey = (pepper: Uint8Array, purpose: string) => createHmac('sha256', pepper).update(purpose).digest();

function sealingKey(pepper: Uint8Array): SealingKey {
  if (pepper.length !== 32) throw new Error('a pepper must be 32 bytes');
  const id = subkey(pepper, 'keyhold/pepper/key-id/v1').subarray(0, KEY_ID_BYTES);
  return { id, idHex: id.toString('hex'), key: subkey(pepper, 'keyhold/pepper/seal/v1'), pepper };
}

function openWith(key: Buffer, iv: Buffer, body: Buffer, tag: Buffer, aad: Buffer): Uint8Array | null {
  // The value is assembled in a Uint8Array of its own, which the caller zeroes: Buffer.concat
  // would cut it from Node's shared Buffer pool, where nothing wipes it. The cipher's own output
  // Buffers are wiped too, also when the tag does not verify.
  const parts: Buffer[] = [];
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    parts.push(decipher.update(body));
    parts.push(decipher.final());
    return concatBytes(...parts);
  } catch {
    return null;
  } finally {
    for (const part of parts) part.fill(0);
  }
}

/**
 * A pepper from its 32 bytes: `current` seals and opens; `previous` (during a rotation) only
 * opens; `decoys` (default: `current`) only derives. Never log any of them.
 */
export function createPepper(current: Uint8Array, opts: { previous?: Uint8Array; decoys?: Uint8Array } = {}): Pepper {
  const sealer = sealingKey(current);
  const openers = [sealer, ...(opts.previous ? [sealingKey(opts.previous)] : [])];
  if (openers[1] && openers[1].idHex === sealer.idHex) throw new Error('PEPPER_PREVIOUS is the same pepper as PEPPER');
  const deriveKey = subkey(opts.decoys ?? current, 'keyhold/pepper/derive/v1');
  const heldIds = openers.map((k) => k.idHex).join(', ');
  const macKeys = new Map<string, Buffer>();
  /** HMAC(pepper, purpose): one subkey per pepper and purpose, derived once. */
  const macKey = (key: SealingKey, purpose: string): Buffer => {
    const id = `${key.idHex}\n${purpose}`;
    let derived = macKeys.get(id);
    if (!derived) macKeys.set(id, (derived = subkey(key.pepper, purpose)));
    return derived;
  };

  const parse = (sealed: string) => {
    const bytes = Buffer.from(decodeBase64Url(sealed));
    if (bytes[0] === FORMAT_2 && bytes.length >= HEADER_2 + IV_BYTES + TAG_BYTES) {
      return { format: FORMAT_2, bytes, keyId: bytes.subarray(1, HEADER_2).toString('hex'), headerLength: HEADER_2 };
    }
    if (bytes[0] === FORMAT_1 && bytes.length >= 1 + IV_BYTES + TAG_BYTES) return { format: FORMAT_1, bytes, keyId: null, headerLength: 1 };
    throw new SealError('seal_format_unknown', 'the sealed value is in no known format', null);
  };

  return {
    keyId: sealer.idHex,
    keyIds: openers.map((k) => k.idHex),
    seal(plaintext, context) {
      const header = Buffer.concat([Buffer.of(FORMAT_2), sealer.id]);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', sealer.key, iv);
      cipher.setAAD(Buffer.concat([header, Buffer.from(context)]));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return encodeBase64Url(Buffer.concat([header, iv, body, cipher.getAuthTag()]));
    },
    open(sealed, context) {
      const { format, bytes, keyId, headerLength } = parse(sealed);
      const iv = bytes.subarray(headerLength, headerLength + IV_BYTES);
      const body = bytes.subarray(headerLength + IV_BYTES, bytes.length - TAG_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      // Format 2 binds its header; format 1 had only the context, and names no key: try each.
      const aad = Buffer.concat([bytes.subarray(0, format === FORMAT_2 ? headerLength : 0), Buffer.from(context)]);
      const candidates = keyId === null ? openers : openers.filter((k) => k.idHex === keyId);
      if (candidates.length === 0) {
        throw new SealError('seal_pepper_unknown', `sealed under pepper ${keyId}, which is not one this process holds (${heldIds})`, keyId);
      }
      for (const candidate of candidates) {
        const opened = openWith(candidate.key, iv, body, tag, aad);
        if (opened) return opened;
      }
      throw new SealError(
        'seal_broken',
        keyId === null
          ? `sealed before key ids, and no pepper this process holds (${heldIds}) opens it`
          : `sealed under pepper ${keyId}, but it does not open with that pepper: altered, or moved from another row`,
        keyId,
      );
    },
    sealedWith(sealed) {
      return parse(sealed).keyId;
    },
    mac(purpose, data) {
      return `${sealer.idHex}.${encodeBase64Url(createHmac('sha256', macKey(sealer, purpose)).update(data).digest())}`;
    },
    verifyMac(purpose, data, mac) {
      const [keyId, tag] = mac.split('.');
      const key = openers.find((k) => k.idHex === keyId);
      if (!key || tag === undefined || !isBase64Url(tag)) return false;
      const expected = createHmac('sha256', macKey(key, purpose)).update(data).digest();
      const presented = Buffer.from(decodeBase64Url(tag));
      return presented.length === expected.length && timingSafeEqual(presented, expected);
    },
    macKeyId(mac) {
      const keyId = mac.split('.')[0] ?? '';
      return /^[0-9a-f]{8}$/.test(keyId) ? keyId : null;
    },
    derive(context, input) {
      return new Uint8Array(createHmac('sha256', deriveKey).update(context).update('\0').update(input).digest());
    },
  };
}

/** Where each pepper comes from: its environment variable, else its file in the data directory. */
export interface PepperSettings {
  /** PEPPER, else `${dataDir}/pepper` (created on first run when `create`). */
  pepper: string | undefined;
  /** PEPPER_PREVIOUS, else `${dataDir}/pepper.previous`: opened, never sealed with. */
  pepperPrevious: string | undefined;
  /** PEPPER_DECOYS, else `${dataDir}/pepper.decoys`: the pepper decoys are derived from. */
  pepperDecoys: string | undefined;
}

export const PEPPER_FILES = { pepper: 'pepper', pepperPrevious: 'pepper.previous', pepperDecoys: 'pepper.decoys' } as const;

function readPepperFile(file: string): Uint8Array | undefined {
  if (!existsSync(file)) return undefined;
  const key = decodeBase64Url(readFileSync(file, 'utf8').trim().replace(/=$/, '')); // as `basenc --base64url` writes it, or not
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64url pepper`);
  return key;
}

/**
 * Returns the pepper from the environment, else from the data directory's files, creating the
 * pepper file (mode 0600) on first run unless `create` is false. `generated` tells the caller to
 * warn: a generated pepper must be backed up apart from the database. Throws when a rotation is
 * configured (a previous pepper) without a decoy pepper. Never logs or echoes a pepper.
 */
export function loadPepper(settings: PepperSettings, dataDir: string, opts: { create?: boolean } = {}): { pepper: Pepper; generated: boolean } {
  const file = join(dataDir, PEPPER_FILES.pepper);
  const previous = settings.pepperPrevious ? decodeBase64Url(settings.pepperPrevious) : readPepperFile(join(dataDir, PEPPER_FILES.pepperPrevious));
  const decoys = settings.pepperDecoys ? decodeBase64Url(settings.pepperDecoys) : readPepperFile(join(dataDir, PEPPER_FILES.pepperDecoys));
  if (previous && !decoys) {
    throw new Error(
      'PEPPER_PREVIOUS is set but PEPPER_DECOYS is not: set PEPPER_DECOYS to the pepper decoys were made with (the old PEPPER, or PEPPER_DECOYS from an earlier rotation) so unknown usernames keep their decoys — see SECURITY.md',
    );
  }
  let current = settings.pepper ? decodeBase64Url(settings.pepper) : readPepperFile(file);
  let generated = false;
  if (!current) {
    if (opts.create === false) throw new Error(`no pepper: set PEPPER or provide ${file}`);
    mkdirSync(dirname(file), { recursive: true });
    current = randomBytes(32);
    writeFileSync(file, `${encodeBase64Url(current)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    generated = true;
  }
  return { pepper: createPepper(current, { previous, decoys }), generated };
}
