import { beforeAll, describe, expect, it } from 'vitest';
import { deviceSignInMessage } from '../../../protocol/device-signin';
import { open } from './primitives/aead';
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
import { rewrapVaultKey } from './local/rotate-root-secret';
import { createIdentityKey, signWithIdentity } from '../account-log/identity-key';
import { decodeBase64Url } from '../../../protocol/base64url';

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
    const sealed = await sealKeyBundle(bundle, keysKey, 'alice');
    const opened = await openKeyBundle(sealed, keysKey, 'alice');
    expect(opened.userPrivateKey.extractable).toBe(false);
    expect(opened.userPrivateKey.usages).toEqual(['unwrapKey']);
    expect(await exportUserPublicKey(opened.userPublicKey)).toBe(await exportUserPublicKey(bundle.userKeyPair.publicKey));
    expect(opened.vaultId).toBe('v1');
    const vaultKey = await unwrapVaultKey(opened.wrappedVaultKey, opened.userPrivateKey, vaultKeyContext('alice', 'v1'));
    expect(vaultKey.extractable).toBe(false);
  });

  it('refuses a bundle opened as another user, or under another K_keys, with decrypt_failed', async () => {
    const sealed = await sealKeyBundle(bundle, keysKey, 'alice');
    expect(await codeOf(openKeyBundle(sealed, keysKey, 'bob'))).toBe('decrypt_failed');
    expect(await codeOf(openKeyBundle(sealed, await deriveKeysKey(createRootSecret()), 'alice'))).toBe('decrypt_failed');
  });
});

describe('key bundle v3: bound to the server version it is stored as', () => {
  it('opens only as the version it was sealed for; older formats still open without one', async () => {
    const keysKey = await deriveKeysKey(createRootSecret());
    const userKeyPair = await createUserKeyPair();
    const wrappedVaultKey = await wrapVaultKey(await createVaultKey(), userKeyPair.publicKey, vaultKeyContext('alice', 'v1'));
    const bundle = { userKeyPair, vaultId: 'v1', wrappedVaultKey };
    const at3 = await sealKeyBundle(bundle, keysKey, 'alice', 3);
    expect((await openKeyBundle(at3, keysKey, 'alice', 3)).vaultId).toBe('v1');
    for (const other of [2, 4, undefined]) expect(await codeOf(openKeyBundle(at3, keysKey, 'alice', other))).toBe('decrypt_failed');
    const unbound = await sealKeyBundle(bundle, keysKey, 'alice');
    expect((await openKeyBundle(unbound, keysKey, 'alice', 7)).vaultId).toBe('v1');
  });
});

describe('key bundle v4: the account\'s identity key', () => {
  it('carries the identity key: opened non-extractable and sign-only, its signatures verify under the public key it names', async () => {
    const keysKey = await deriveKeysKey(createRootSecret());
    const userKeyPair = await createUserKeyPair();
    const wrappedVaultKey = await wrapVaultKey(await createVaultKey(), userKeyPair.publicKey, vaultKeyContext('alice', 'v1'));
    const identity = await createIdentityKey();
    const sealed = await sealKeyBundle({ userKeyPair, vaultId: 'v1', wrappedVaultKey, identity }, keysKey, 'alice', 5);
    // Format 4, bound to its server version like format 3: no other context opens it.
    await expect(open(keysKey, sealed, keyBundleContext('alice', 4, 5))).resolves.toBeTruthy();
    expect(await codeOf(open(keysKey, sealed, keyBundleContext('alice', 3, 5)))).toBe('decrypt_failed');
    for (const other of [4, 6, undefined]) expect(await codeOf(openKeyBundle(sealed, keysKey, 'alice', other))).toBe('decrypt_failed');

    const opened = await openKeyBundle(sealed, keysKey, 'alice', 5);
    expect(opened.identity?.publicKey).toBe(identity.publicKey);
    expect(decodeBase64Url(identity.publicKey)).toHaveLength(32);
    expect(opened.identity!.privateKey.extractable).toBe(false);
    expect(opened.identity!.privateKey.usages).toEqual(['sign']);
    const message = new TextEncoder().encode('keyhold test message');
    const signature = decodeBase64Url(await signWithIdentity(opened.identity!.privateKey, message));
    const verifier = await crypto.subtle.importKey('raw', decodeBase64Url(identity.publicKey) as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']);
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, verifier, signature as Uint8Array<ArrayBuffer>, message)).toBe(true);
  });

  it('opens a format 3 bundle with no identity key', async () => {
    const keysKey = await deriveKeysKey(createRootSecret());
    const userKeyPair = await createUserKeyPair();
    const wrappedVaultKey = await wrapVaultKey(await createVaultKey(), userKeyPair.publicKey, vaultKeyContext('alice', 'v1'));
    const sealed = await sealKeyBundle({ userKeyPair, vaultId: 'v1', wrappedVaultKey }, keysKey, 'alice', 2);
    await expect(open(keysKey, sealed, keyBundleContext('alice', 3, 2))).resolves.toBeTruthy();
    expect((await openKeyBundle(sealed, keysKey, 'alice', 2)).identity).toBeUndefined();
  });
});

describe('key bundle v2: vault keys a rotation retired', () => {
  it('carries earlier vault keys under the new public key; v1 stays the format while nothing is retired', async () => {
    const keysKey = await deriveKeysKey(createRootSecret());
    const before = await createUserKeyPair();
    const wrappedOld = await wrapVaultKey(await createVaultKey(), before.publicKey, vaultKeyContext('alice', 'v1'));
    const plain = await sealKeyBundle({ userKeyPair: before, vaultId: 'v1', wrappedVaultKey: wrappedOld }, keysKey, 'alice');
    await expect(open(keysKey, plain, keyBundleContext('alice', 1))).resolves.toBeTruthy();
    expect((await openKeyBundle(plain, keysKey, 'alice')).retired).toEqual([]);

    const after = await createUserKeyPair();
    const retired = [{ vaultId: 'v1', wrappedVaultKey: await rewrapVaultKey(wrappedOld, before.privateKey, after.publicKey, vaultKeyContext('alice', 'v1')) }];
    const wrappedVaultKey = await wrapVaultKey(await createVaultKey(), after.publicKey, vaultKeyContext('alice', 'v2'));
    const rotated = await sealKeyBundle({ userKeyPair: after, vaultId: 'v2', wrappedVaultKey, retired }, keysKey, 'alice');
    // Sealed as format 2: the v1 context does not open it, so a reader cannot mistake it for v1.
    expect(await codeOf(open(keysKey, rotated, keyBundleContext('alice', 1)))).toBe('decrypt_failed');
    const opened = await openKeyBundle(rotated, keysKey, 'alice');
    expect(opened.vaultId).toBe('v2');
    expect(opened.retired).toEqual(retired);
    // The retired key opens with the new private key, and is the same key as before.
    const oldKey = await unwrapVaultKey(wrappedOld, before.privateKey, vaultKeyContext('alice', 'v1'));
    const retiredKey = await unwrapVaultKey(opened.retired[0]!.wrappedVaultKey, opened.userPrivateKey, vaultKeyContext('alice', 'v1'));
    const dek = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
    const iv = new Uint8Array(12);
    const wrapped = await crypto.subtle.wrapKey('raw', dek, oldKey, { name: 'AES-GCM', iv });
    await expect(crypto.subtle.unwrapKey('raw', wrapped, retiredKey, { name: 'AES-GCM', iv }, 'AES-GCM', false, ['encrypt'])).resolves.toBeTruthy();
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
