import { beforeAll, describe, expect, it } from 'vitest';
import { VaultCryptoError } from '../../errors';
import { fakeArgon2ForHierarchyTests as argon2 } from '../../../../test/helpers/fake-argon2';
import { createRootSecret, deriveKeysKey } from '../hierarchy';
import { createDeviceSigningKey, exportDevicePublicJwk, openDeviceSigningKey, openKeyBundle, sealDeviceSigningKey } from '../key-bundle';
import { deviceKeyContext } from '../primitives/contexts';
import { decryptRecord, encryptRecord } from '../records';
import type { LocalVaultRecord } from './local-vault-record';
import { createLocalVault } from './local-vault';
import { addPrfWrap } from './rewrap';
import { resealUnder, rotateRootSecret } from './rotate-root-secret';
import { readableVaultKeys, unlockWithPin, unlockWithPrf, withRootSecret, type UnlockedVault } from './unlock';

const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (e: unknown) => (e instanceof VaultCryptoError ? e.code : e),
  );

const PIN = '493817';
const ctx = (recordId: string) => ({ userId: 'alice', recordId, v: 1 });
const note = (body: string) => ({ kind: 'note', title: 'Wi-Fi', body });

describe('rotating the root secret (lock everywhere)', () => {
  let before: { record: LocalVaultRecord; unlocked: UnlockedVault };
  beforeAll(async () => {
    before = await createLocalVault({ userId: 'alice', pin: PIN, argon2 });
  });

  it('keeps records written before readable, and writes new ones that nothing of the old hierarchy opens', async () => {
    const old = await encryptRecord(note('old'), before.unlocked.vaultKey, ctx('r1'));
    const after = await rotateRootSecret({ record: before.record, unlocked: before.unlocked, pin: PIN, argon2, keyBundleVersion: 2 });
    expect(await decryptRecord(old, readableVaultKeys(after.unlocked), ctx('r1'))).toEqual(note('old'));

    const fresh = await encryptRecord(note('new'), after.unlocked.vaultKey, ctx('r2'));
    expect(await codeOf(decryptRecord(fresh, readableVaultKeys(before.unlocked), ctx('r2')))).toBe('decrypt_failed');
    // The old K_keys opens neither the new key bundle nor the re-sealed device key; the old S is not the new one.
    expect(await codeOf(openKeyBundle(after.record.keyBundle, before.unlocked.keysKey, 'alice'))).toBe('decrypt_failed');
    const oldKeysKey = await withRootSecret(before.unlocked.rootSecretAccess, deriveKeysKey);
    expect(await codeOf(openKeyBundle(after.record.keyBundle, oldKeysKey, 'alice'))).toBe('decrypt_failed');
    expect(await codeOf(unlockWithPin({ ...after.record, pin: before.record.pin }, PIN, argon2))).toBe('decrypt_failed');

    // The same PIN opens the new record (under a new salt) to the same vault; the device keeps its key and key id.
    const reopened = await unlockWithPin(after.record, PIN, argon2);
    expect(after.record.pin.salt).not.toBe(before.record.pin.salt);
    expect(reopened.vaultId).toBe(after.unlocked.vaultId);
    expect(reopened.vaultId).not.toBe(before.unlocked.vaultId);
    expect(await decryptRecord(fresh, readableVaultKeys(reopened), ctx('r2'))).toEqual(note('new'));
    expect(after.record.deviceKey.id).toBe(before.record.deviceKey.id);
    expect(reopened.deviceKey.publicJwk).toEqual(before.unlocked.deviceKey.publicJwk);
    for (const key of [reopened.keysKey, reopened.vaultKey, ...reopened.retiredVaultKeys, reopened.userPrivateKey]) expect(key.extractable).toBe(false);
  });

  it('keeps every earlier vault key through a second rotation, newest first', async () => {
    const first = await encryptRecord(note('first'), before.unlocked.vaultKey, ctx('r1'));
    const once = await rotateRootSecret({ record: before.record, unlocked: before.unlocked, pin: PIN, argon2, keyBundleVersion: 2 });
    const second = await encryptRecord(note('second'), once.unlocked.vaultKey, ctx('r2'));
    const twice = await rotateRootSecret({ record: once.record, unlocked: once.unlocked, pin: PIN, argon2, keyBundleVersion: 3 });
    expect(twice.unlocked.retiredVaultKeys).toHaveLength(2);
    expect(await decryptRecord(first, readableVaultKeys(twice.unlocked), ctx('r1'))).toEqual(note('first'));
    expect(await decryptRecord(second, twice.unlocked.retiredVaultKeys[0]!, ctx('r2'))).toEqual(note('second'));
    expect(await decryptRecord(first, twice.unlocked.retiredVaultKeys[1]!, ctx('r1'))).toEqual(note('first'));
  });

  it('wraps the new S for the passkey just used and drops every other PRF wrap, which opened only the old S', async () => {
    const [used, other] = [crypto.getRandomValues(new Uint8Array(32)), crypto.getRandomValues(new Uint8Array(32))];
    let record = (await addPrfWrap(before.record, before.unlocked, { credentialId: 'cred-used', prfOutput: used })).record;
    record = (await addPrfWrap(record, before.unlocked, { credentialId: 'cred-other', prfOutput: other })).record;
    const after = await rotateRootSecret({ record, unlocked: before.unlocked, pin: PIN, argon2, prf: { credentialId: 'cred-used', prfOutput: used }, keyBundleVersion: 2 });
    expect(after.record.prf).toEqual([after.prfWrap]);
    expect((await unlockWithPrf(after.record, { credentialId: 'cred-used', prfOutput: used })).vaultId).toBe(after.unlocked.vaultId);
    expect(await codeOf(unlockWithPrf(after.record, { credentialId: 'cred-other', prfOutput: other }))).toBe('prf_unlock_failed');
    // Without a PRF output no passkey can unlock the rotated vault; the PIN still does.
    const withoutPrf = await rotateRootSecret({ record, unlocked: before.unlocked, pin: PIN, argon2, keyBundleVersion: 2 });
    expect(withoutPrf.record.prf).toEqual([]);
    expect(withoutPrf.prfWrap).toBeNull();
  });

  it('re-seals the device signing key under the new K_keys: the old K_keys no longer opens the new seal', async () => {
    const [from, to] = [await deriveKeysKey(createRootSecret()), await deriveKeysKey(createRootSecret())];
    const pair = await createDeviceSigningKey();
    const ctx = deviceKeyContext('alice', 'dev-1');
    const resealed = await resealUnder(await sealDeviceSigningKey(pair, from, ctx), from, to, ctx);
    expect((await openDeviceSigningKey(resealed, to, ctx)).publicJwk).toEqual(await exportDevicePublicJwk(pair.publicKey));
    expect(await codeOf(openDeviceSigningKey(resealed, from, ctx))).toBe('decrypt_failed');
    expect(await codeOf(resealUnder(resealed, from, to, ctx))).toBe('decrypt_failed');
  });

  it('refuses a key bundle that this vault\'s K_keys does not open (another rotation came first) with decrypt_failed', async () => {
    const elsewhere = await rotateRootSecret({ record: before.record, unlocked: before.unlocked, pin: PIN, argon2, keyBundleVersion: 2 });
    const stale = { ...before.record, keyBundle: elsewhere.record.keyBundle };
    expect(await codeOf(rotateRootSecret({ record: stale, unlocked: before.unlocked, pin: PIN, argon2, keyBundleVersion: 2 }))).toBe('decrypt_failed');
  });

  it('seals the rotated bundle for the version the server will store it as; it opens as no other', async () => {
    const after = await rotateRootSecret({ record: before.record, unlocked: before.unlocked, pin: PIN, argon2, keyBundleVersion: 7 });
    expect(after.record.keyBundleVersion).toBe(7);
    expect((await openKeyBundle(after.record.keyBundle, after.unlocked.keysKey, 'alice', 7)).vaultId).toBe(after.unlocked.vaultId);
    expect(await codeOf(openKeyBundle(after.record.keyBundle, after.unlocked.keysKey, 'alice', 6))).toBe('decrypt_failed');
    // The bundle handed out as an older version does not open the vault.
    expect(await codeOf(unlockWithPin({ ...after.record, keyBundleVersion: 6 }, PIN, argon2))).toBe('decrypt_failed');
  });
});
