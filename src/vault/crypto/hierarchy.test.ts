import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import { open, seal, type AeadContext } from './primitives/aead';
import { utf8 } from './primitives/bytes';
import { VaultCryptoError } from '../errors';
import { fromHex } from '../../../test/helpers/fake-argon2';
import {
  createRootSecret,
  createUserKeyPair,
  createVaultKey,
  deriveKekFromPrf,
  deriveKekLocal,
  deriveKeysKey,
  importRootSecret,
  parseRsaWrappedKey,
  unwrapRootSecret,
  unwrapVaultKey,
  wrapRootSecret,
  wrapVaultKey,
  type RootWrapKind,
  type UserKeyPair,
} from './hierarchy';
import type { RootSecret, RsaWrappedKey } from './keys';

const rootCtx: AeadContext<RootWrapKind> = { userId: 'alice', kind: 'root-secret-local', id: 'salt-1', v: 1 };
const vkCtx: AeadContext<'vault-key'> = { userId: 'alice', kind: 'vault-key', id: 'vault-1', v: 1 };
const pinRoot = fromHex('11'.repeat(32));
const salt = fromHex('22'.repeat(16));

const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (e: unknown) => (e instanceof VaultCryptoError ? e.code : e),
  );

describe('root secret and KEKs', () => {
  it('creates 32 random bytes, different each time', () => {
    const [a, b] = [createRootSecret(), createRootSecret()];
    expect(a.length).toBe(32);
    expect(encodeBase64Url(a)).not.toBe(encodeBase64Url(b));
  });

  it('wraps S under KEK_local and unwraps the same bytes', async () => {
    const rootSecret = createRootSecret();
    const kek = await deriveKekLocal(pinRoot, salt);
    const wrapped = await wrapRootSecret(rootSecret, kek, rootCtx);
    expect(await unwrapRootSecret(wrapped, kek, rootCtx)).toEqual(rootSecret);
  });

  it('derives every KEK and K_keys non-extractable', async () => {
    const keys = [await deriveKekLocal(pinRoot, salt), await deriveKekFromPrf(pinRoot), await deriveKeysKey(createRootSecret())];
    for (const key of keys) expect(key.extractable).toBe(false);
    expect((await importRootSecret(createRootSecret())).extractable).toBe(false);
  });

  it('keeps KEK_local, KEK_prf and K_keys apart for the same input (HKDF info labels)', async () => {
    const local = await deriveKekLocal(pinRoot, new Uint8Array(0));
    const prf = await deriveKekFromPrf(pinRoot);
    const keys = await deriveKeysKey(pinRoot as RootSecret);
    const blob = await seal(local, utf8.encode('S'), rootCtx);
    expect(await codeOf(open(prf, blob, rootCtx))).toBe('decrypt_failed');
    expect(await codeOf(open(keys, blob, rootCtx))).toBe('decrypt_failed');
  });

  it('derives another KEK_local from another salt', async () => {
    const wrapped = await wrapRootSecret(createRootSecret(), await deriveKekLocal(pinRoot, salt), rootCtx);
    const otherKek = await deriveKekLocal(pinRoot, fromHex('23'.repeat(16)));
    expect(await codeOf(unwrapRootSecret(wrapped, otherKek, rootCtx))).toBe('decrypt_failed');
  });

  it('derives the same K_keys from S as bytes and as imported key material', async () => {
    const rootSecret = createRootSecret();
    const fromBytes = await deriveKeysKey(rootSecret);
    const fromMaterial = await deriveKeysKey(await importRootSecret(rootSecret));
    expect(utf8.decode(await open(fromMaterial, await seal(fromBytes, utf8.encode('same'), rootCtx), rootCtx))).toBe('same');
  });

  it('refuses a wrap of S bound to another user or route', async () => {
    const kek = await deriveKekLocal(pinRoot, salt);
    const wrapped = await wrapRootSecret(createRootSecret(), kek, rootCtx);
    expect(await codeOf(unwrapRootSecret(wrapped, kek, { ...rootCtx, userId: 'bob' }))).toBe('decrypt_failed');
    expect(await codeOf(unwrapRootSecret(wrapped, kek, { ...rootCtx, kind: 'root-secret-prf' }))).toBe('decrypt_failed');
  });
});

describe('vault key under the user public key (RSA-OAEP-3072, seed flow)', () => {
  let alice: UserKeyPair;
  let bob: UserKeyPair;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([createUserKeyPair(), createUserKeyPair()]);
  });

  it('creates a 3072-bit RSA-OAEP SHA-256 key pair', () => {
    expect(alice.publicKey.algorithm).toMatchObject({ name: 'RSA-OAEP', modulusLength: 3072, hash: { name: 'SHA-256' } });
  });

  it('unwraps VK non-extractable, for wrapping DEKs only, and it opens what the original wrapped', async () => {
    const vaultKey = await createVaultKey();
    const wrapped = await wrapVaultKey(vaultKey, alice.publicKey, vkCtx);
    expect(decodeBase64Url(wrapped).length).toBe(1 + 384);
    const unwrapped = await unwrapVaultKey(parseRsaWrappedKey(wrapped as string), alice.privateKey, vkCtx);
    expect(unwrapped.extractable).toBe(false);
    expect([...unwrapped.usages].sort()).toEqual(['unwrapKey', 'wrapKey']);

    const dek = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
    const iv = new Uint8Array(12);
    const wrappedDek = await crypto.subtle.wrapKey('raw', dek, vaultKey, { name: 'AES-GCM', iv });
    const back = await crypto.subtle.unwrapKey('raw', wrappedDek, unwrapped, { name: 'AES-GCM', iv }, 'AES-GCM', true, ['encrypt']);
    expect(new Uint8Array(await crypto.subtle.exportKey('raw', back))).toEqual(new Uint8Array(await crypto.subtle.exportKey('raw', dek)));
  });

  it('refuses another user private key, another context (OAEP label) and a flipped bit as decrypt_failed', async () => {
    const wrapped = await wrapVaultKey(await createVaultKey(), alice.publicKey, vkCtx);
    expect(await codeOf(unwrapVaultKey(wrapped, bob.privateKey, vkCtx))).toBe('decrypt_failed');
    expect(await codeOf(unwrapVaultKey(wrapped, alice.privateKey, { ...vkCtx, id: 'vault-2' }))).toBe('decrypt_failed');
    const bytes = decodeBase64Url(wrapped);
    bytes[100]! ^= 1;
    expect(await codeOf(unwrapVaultKey(encodeBase64Url(bytes) as RsaWrappedKey, alice.privateKey, vkCtx))).toBe('decrypt_failed');
  });

  it('refuses a string that is not an RSA-OAEP blob with malformed_blob', () => {
    expect(() => parseRsaWrappedKey(encodeBase64Url(new Uint8Array(100)))).toThrow(expect.objectContaining({ code: 'malformed_blob' }));
  });
});
