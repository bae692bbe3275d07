/**
 * The identity key's place in the key bundle (format 4, crypto/key-bundle.ts) when it did not come
 * with the vault: a migration adds one to the bundle every device shares, and the other devices
 * adopt that bundle when their log check finds the log signed by a key their own copy lacks. The
 * bundle is sealed under K_keys, which the server cannot forge: that is what makes the key it holds
 * the account's.
 */
import type { Session, VaultCore } from '../core';
import { openKeyBundle, parseGcmBlob, type Ciphertext, type IdentityKey, type IdentityKeyPair, type KeysKey } from '../crypto';
import { openBundleJson } from '../crypto/key-bundle';
import { keyBundleContext } from '../crypto/primitives/contexts';
import { exportPkcs8, sealJson } from '../crypto/sealed-json';
import type { StoredVault } from '../platform/local-store';

const KEY_BUNDLE_V4 = 4;

/**
 * The bundle `sealed` (stored as `version`) sealed again as format 4 with `identity`, for the next
 * version (`version` + 1), with every other field as it was. Throws `decrypt_failed` when `keysKey`
 * does not open it. Never log its plaintext.
 */
export async function sealBundleWithIdentity(sealed: Ciphertext, keysKey: KeysKey, userId: string, version: number, identity: IdentityKeyPair): Promise<Ciphertext> {
  const { v: _format, ...fields } = await openBundleJson(sealed, keysKey, userId, version);
  const withIdentity = { ...fields, identityPrivateKeyPkcs8: await exportPkcs8(identity.privateKey), identityPublicKey: identity.publicKey };
  return sealJson(withIdentity, keysKey, keyBundleContext(userId, KEY_BUNDLE_V4, version + 1));
}

/** Stores `blob` (stored on the server as `version`) as this device's key bundle, re-reading the vault row at the last moment. */
export async function keepKeyBundle(core: VaultCore, blob: Ciphertext, version: number): Promise<void> {
  const current = core.requireVault();
  const next: StoredVault = { ...current, record: { ...current.record, keyBundle: blob, keyBundleVersion: version }, keyBundleVersion: version };
  await core.deps.store.writeVault(next);
  if (core.stored === current) core.stored = next;
}

/**
 * Adopts the server's key bundle when it holds the identity key `wanted` and this device's copy does
 * not (the account was migrated, or its log created, on another device): the bundle must be no older
 * than this device's and open under this session's K_keys. Returns whether the session now holds
 * `wanted`. Never throws for the server's doing (false instead: the caller warns).
 */
export async function adoptServerIdentity(core: VaultCore, session: Session, wanted: string): Promise<boolean> {
  try {
    const { keyBundle } = await core.deps.server.backup();
    const vault = core.requireVault();
    if (!keyBundle || keyBundle.version < vault.keyBundleVersion) return false;
    const blob = parseGcmBlob<Ciphertext>(keyBundle.blob);
    const opened = await openKeyBundle(blob, session.unlocked.keysKey, vault.userId, keyBundle.version);
    if (opened.identity?.publicKey !== wanted || core.session !== session) return false;
    await keepKeyBundle(core, blob, keyBundle.version);
    session.identity = opened.identity;
    return true;
  } catch {
    return false;
  }
}

/** The identity key the stored bundle `blob` (as `version`) holds, opened non-extractable; undefined without one. */
export async function identityOf(blob: Ciphertext, keysKey: KeysKey, userId: string, version: number): Promise<IdentityKey | undefined> {
  return (await openKeyBundle(blob, keysKey, userId, version)).identity;
}
