import { beforeAll, describe, expect, it } from 'vitest';
import { deviceSignInMessage } from '../../../protocol/device-signin';
import { bufferSource } from './primitives/bytes';
import { deviceKeyContext, keyBundleContext, vaultKeyContext } from './primitives/contexts';
import { VaultCryptoError } from '../errors';
import { createRootSecret, createUserKeyPair, createVaultKey, deriveKeysKey, exportUserPublicKey, unwrapVaultKey, wrapVaultKey } from './hierarchy';
import {
  createDeviceSigningKey,
  exportDevicePublicJwk,
  openDeviceSigningKey,
  openKeyBundle,
  sealDeviceSigningKey,
  sealKeyBundle,
  signWithDeviceKey,
  type KeyBundle,
} from './key-bundle';
import type { KeysKey } from './keys';

const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (e: unknown) => (e instanceof VaultCryptoError ? e.code : e),
  );

describe('key bundle under K_keys', () => {
  let keysKey: KeysKey;
  let bundle: KeyBundle;
  beforeAll(async () => {
    keysKey = await deriveKeysKey(createRootSecret());
    const userKeyPair = await createUserKeyPair();
    const wrappedVaultKey = await wrapVaultKey(await createVaultKey(), userKeyPair.publicKey, vaultKeyContext('alice', 'v1'));
    bundle = { userKeyPair, vaultId: 'v1', wrappedVaultKey };
  });

  it('opens to the same key pair, with the private key non-extractable and unwrap-only', async () => {
    const sealed = await sealKeyBundle(bundle, keysKey, keyBundleContext('alice'));
    const opened = await openKeyBundle(sealed, keysKey, keyBundleContext('alice'));
    expect(opened.userPrivateKey.extractable).toBe(false);
    expect(opened.userPrivateKey.usages).toEqual(['unwrapKey']);
    expect(await exportUserPublicKey(opened.userPublicKey)).toBe(await exportUserPublicKey(bundle.userKeyPair.publicKey));
    expect(opened.vaultId).toBe('v1');
    const vaultKey = await unwrapVaultKey(opened.wrappedVaultKey, opened.userPrivateKey, vaultKeyContext('alice', 'v1'));
    expect(vaultKey.extractable).toBe(false);
  });

  it('refuses a bundle opened as another user, or under another K_keys, with decrypt_failed', async () => {
    const sealed = await sealKeyBundle(bundle, keysKey, keyBundleContext('alice'));
    expect(await codeOf(openKeyBundle(sealed, keysKey, keyBundleContext('bob')))).toBe('decrypt_failed');
    expect(await codeOf(openKeyBundle(sealed, await deriveKeysKey(createRootSecret()), keyBundleContext('alice')))).toBe('decrypt_failed');
  });
});

describe('device signing key (ECDSA P-256)', () => {
  it('seals and opens a key that signs device sign-in messages verifiable with its JWK', async () => {
    const keysKey = await deriveKeysKey(createRootSecret());
    const pair = await createDeviceSigningKey();
    const sealed = await sealDeviceSigningKey(pair, keysKey, deviceKeyContext('alice', 'dev-1'));
    const opened = await openDeviceSigningKey(sealed, keysKey, deviceKeyContext('alice', 'dev-1'));
    expect(opened.privateKey.extractable).toBe(false);
    expect(opened.privateKey.usages).toEqual(['sign']);
    expect(opened.publicJwk).toEqual(await exportDevicePublicJwk(pair.publicKey));

    const message = deviceSignInMessage('https://keyhold.example', 'challenge-1');
    const signature = await signWithDeviceKey(opened.privateKey, message);
    expect(signature.length).toBe(64); // IEEE P1363 r||s
    const verifier = await crypto.subtle.importKey('jwk', { ...opened.publicJwk }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, verifier, signature, bufferSource(message))).toBe(true);
  });

  it('refuses a device key opened under another device id with decrypt_failed', async () => {
    const keysKey = await deriveKeysKey(createRootSecret());
    const sealed = await sealDeviceSigningKey(await createDeviceSigningKey(), keysKey, deviceKeyContext('alice', 'dev-1'));
    expect(await codeOf(openDeviceSigningKey(sealed, keysKey, deviceKeyContext('alice', 'dev-2')))).toBe('decrypt_failed');
  });
});
