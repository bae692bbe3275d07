/**
 * TESTS ONLY (vault tests, run in Node with the DOM's types: tsconfig.test.json). A device of an
 * account made before the signed account log, as it was then: re-made from a device of today's
 * app by the PIN that opens its vault (with the tests' Argon2 stand-in).
 */
import { decodeBase64Url } from '../../protocol/base64url';
import { deriveKekLocalFromPin, deriveKeysKey, keyBundleContext, localWrapContext, parseArgon2Params, unwrapRootSecret } from '../../src/vault/crypto';
import { openBundleJson } from '../../src/vault/crypto/key-bundle';
import { sealJson } from '../../src/vault/crypto/sealed-json';
import type { LocalStore } from '../../src/vault/platform/local-store';
import { fakeArgon2ForHierarchyTests } from './fake-argon2';

/**
 * Makes the device whose vault is in `store` one from before the log: it never saw a log (no
 * mirror), and its key bundle is format 3, without the identity key (sealed again under its K_keys,
 * which the PIN opens, for the same server version). Returns that bundle, for `keepBundleOnServer` (log-tamper.ts).
 */
export async function makePreLogDevice(store: LocalStore, pin: string): Promise<string> {
  const vault = (await store.readVault())!;
  const { record } = vault;
  const kek = await deriveKekLocalFromPin(pin, decodeBase64Url(record.pin.salt), parseArgon2Params(record.pin.params), fakeArgon2ForHierarchyTests);
  const rootSecret = await unwrapRootSecret(record.pin.wrappedRootSecret, kek, localWrapContext(vault.userId, record.pin.salt));
  const keysKey = await deriveKeysKey(rootSecret);
  const { v: _v, identityPrivateKeyPkcs8: _private, identityPublicKey: _public, ...fields } = await openBundleJson(record.keyBundle, keysKey, vault.userId, vault.keyBundleVersion);
  const v3 = await sealJson(fields, keysKey, keyBundleContext(vault.userId, 3, vault.keyBundleVersion));
  await store.writeVault({ ...vault, record: { ...record, keyBundle: v3 } });
  await store.db.meta.delete('account-log');
  return v3;
}

