/**
 * The vault row of the device's IndexedDB (platform/local-store.ts, table `vault`): what this
 * device keeps of its account, and the check of a row read back. All public or ciphertext.
 */
import { parseGcmBlob, parseLocalVaultRecord, type LocalVaultRecord, type WrappedKey } from '../crypto';

export interface StoredPasskey {
  /** WebAuthn credential id, base64url. */
  readonly credentialId: string;
  /** The salt the server issued for this credential's PRF, base64url: kept so PRF unlock works offline. */
  readonly prfSalt: string;
  /** The relying party id the credential is scoped to. */
  readonly rpId: string;
  readonly transports: readonly string[];
  /** Server version of this credential's wrap_prf; 0 while none is uploaded. */
  readonly wrapPrfVersion: number;
}

export interface StoredVault {
  readonly username: string;
  readonly userId: string;
  /** The id the key server gave this device's signing key (POST /api/devices). */
  readonly deviceId: string;
  /** Wraps of S, key bundle and sealed device signing key: ciphertext and public parameters only. */
  readonly record: LocalVaultRecord;
  readonly passkeys: readonly StoredPasskey[];
  /** Server version of the key bundle backup (PUT /api/backup/key-bundle). */
  readonly keyBundleVersion: number;
  readonly createdAt: number;
  /** True once the key server holds PIN recovery for the current PIN; a PIN change clears it (absent in older rows = false). */
  readonly pinRecoveryRegistered?: boolean;
  /**
   * The recovery kit's wrap of S (under KEK_kit, the same blob the server holds), kept so the kit
   * resets a forgotten PIN offline here (`vault.resetPinWithKit`). Absent: no kit, or made elsewhere.
   */
  readonly kit?: { readonly createdAt: number; readonly wrap: WrappedKey };
}


function malformedVault(what: string): Error {
  return new TypeError(`The stored vault has no valid ${what}`);
}

export function readStoredVault(row: Record<string, unknown>): StoredVault {
  const text = (name: string): string => {
    const value = row[name];
    if (typeof value !== 'string' || value.length === 0) throw malformedVault(name);
    return value;
  };
  const count = (name: string, value: unknown): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw malformedVault(name);
    return value;
  };
  if (!Array.isArray(row.passkeys)) throw malformedVault('passkeys');
  const passkeys = row.passkeys.map((entry: Record<string, unknown>): StoredPasskey => {
    const field = (name: string) => (typeof entry?.[name] === 'string' && entry[name] !== '' ? (entry[name] as string) : null);
    const credentialId = field('credentialId');
    const prfSalt = field('prfSalt');
    const rpId = field('rpId');
    if (!credentialId || !prfSalt || !rpId) throw malformedVault('passkey');
    const transports = Array.isArray(entry.transports) ? entry.transports.filter((t): t is string => typeof t === 'string') : [];
    return { credentialId, prfSalt, rpId, transports, wrapPrfVersion: count('wrap_prf version', entry.wrapPrfVersion) };
  });
  return {
    username: text('username'),
    userId: text('userId'),
    deviceId: text('deviceId'),
    record: parseLocalVaultRecord(row.record),
    passkeys,
    keyBundleVersion: count('key bundle version', row.keyBundleVersion),
    createdAt: count('creation time', row.createdAt),
    pinRecoveryRegistered: row.pinRecoveryRegistered === true,
    ...readKit(row.kit),
  };
}

/** The optional kit wrap of a vault row; a damaged one is dropped (the kit still works online), not fatal. */
function readKit(untrusted: unknown): Pick<StoredVault, 'kit'> {
  const kit = untrusted as { createdAt?: unknown; wrap?: unknown } | undefined;
  if (typeof kit !== 'object' || kit === null || typeof kit.createdAt !== 'number') return {};
  try {
    return { kit: { createdAt: kit.createdAt, wrap: parseGcmBlob<WrappedKey>(kit.wrap) } };
  } catch {
    return {};
  }
}
