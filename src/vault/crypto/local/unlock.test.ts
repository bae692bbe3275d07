import { beforeAll, describe, expect, it } from 'vitest';
import type { Argon2Client } from '../../platform/argon2-client';
import { VaultCryptoError } from '../../errors';
import { fakeArgon2ForHierarchyTests as argon2 } from '../../../../test/helpers/fake-argon2';
import type { Argon2Params } from '../keys';
import { parseLocalVaultRecord, type LocalVaultRecord } from './local-vault-record';
import { decryptRecord, encryptRecord } from '../records';
import { createLocalVault } from './local-vault';
import { addPrfWrap, changePin } from './rewrap';
import { unlockWithPin, unlockWithPrf, type DeriveArgon2, type UnlockedVault } from './unlock';

// Compile-time: the app passes the worker bridge straight in (src/vault/platform/argon2-client.ts).
export const fromArgon2Client = (client: Argon2Client): DeriveArgon2 => client.hash.bind(client);

const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (e: unknown) => (e instanceof VaultCryptoError ? e.code : e),
  );

/** Every CryptoKey an unlocked vault holds, except public keys. */
const secretKeysOf = (vault: UnlockedVault): CryptoKey[] => [
  vault.keysKey,
  vault.vaultKey,
  vault.userPrivateKey,
  vault.deviceKey.privateKey,
  vault.rootSecretAccess.kek,
];

describe('local vault: create, unlock, change PIN, PRF', () => {
  let record: LocalVaultRecord;
  let unlocked: UnlockedVault;
  beforeAll(async () => {
    ({ record, unlocked } = await createLocalVault({ userId: 'alice', pin: '493817', argon2 }));
  });

  it('stores a JSON-safe record with the Argon2 params, salt and blobs, and no plaintext key', () => {
    const stored = parseLocalVaultRecord(JSON.parse(JSON.stringify(record)));
    expect(stored).toEqual(record);
    expect(stored.pin.params).toEqual({ memoryKiB: 65_536, iterations: 3, parallelism: 1, hashLength: 32 });
    expect(stored.prf).toEqual([]);
  });

  it('unlocks with the right PIN to the same vault key', async () => {
    const again = await unlockWithPin(record, '493817', argon2);
    const encrypted = await encryptRecord({ note: 'hi' }, unlocked.vaultKey, { userId: 'alice', recordId: 'r1', v: 1 });
    expect(await decryptRecord(encrypted, again.vaultKey, { userId: 'alice', recordId: 'r1', v: 1 })).toEqual({ note: 'hi' });
    expect(again.deviceKey.publicJwk).toEqual(unlocked.deviceKey.publicJwk);
  });

  it('refuses a wrong PIN with wrong_pin', async () => {
    expect(await codeOf(unlockWithPin(record, '493818', argon2))).toBe('wrong_pin');
  });

  it('holds only non-extractable secret keys once unlocked, created or reopened', async () => {
    for (const vault of [unlocked, await unlockWithPin(record, '493817', argon2)]) {
      for (const key of secretKeysOf(vault)) expect(key.extractable).toBe(false);
    }
  });

  it('after a PIN change, the old PIN fails with wrong_pin and the new one opens the same vault', async () => {
    const changed = await changePin(record, unlocked, '80264517', argon2);
    expect(changed.record.pin.salt).not.toBe(record.pin.salt);
    expect(await codeOf(unlockWithPin(changed.record, '493817', argon2))).toBe('wrong_pin');
    const reopened = await unlockWithPin(changed.record, '80264517', argon2);
    expect(reopened.vaultId).toBe(unlocked.vaultId);
    // The session keeps working: S can still be reached to add another wrap.
    await expect(addPrfWrap(changed.record, changed.unlocked, { credentialId: 'cred-1', prfOutput: new Uint8Array(32) })).resolves.toBeTruthy();
  });

  it('refuses a new PIN that the policy refuses with pin_rejected', async () => {
    expect(await codeOf(changePin(record, unlocked, '123456', argon2))).toBe('pin_rejected');
    expect(await codeOf(createLocalVault({ userId: 'bob', pin: '111111', argon2 }))).toBe('pin_rejected');
  });

  it('unlocks with a PRF output once a PRF wrap is added; another output or credential fails with prf_unlock_failed', async () => {
    const prfOutput = crypto.getRandomValues(new Uint8Array(32));
    const { record: withPrf, wrap } = await addPrfWrap(record, unlocked, { credentialId: 'cred-1', prfOutput });
    expect(withPrf.prf).toEqual([wrap]);
    const viaPrf = await unlockWithPrf(withPrf, { credentialId: 'cred-1', prfOutput });
    expect(viaPrf.vaultId).toBe(unlocked.vaultId);
    expect(await codeOf(unlockWithPrf(withPrf, { credentialId: 'cred-1', prfOutput: new Uint8Array(32) }))).toBe('prf_unlock_failed');
    expect(await codeOf(unlockWithPrf(withPrf, { credentialId: 'cred-2', prfOutput }))).toBe('prf_unlock_failed');
    // The PIN wrap is untouched by adding a PRF wrap.
    await expect(unlockWithPin(withPrf, '493817', argon2)).resolves.toBeTruthy();
  });

  it('refuses a PRF wrap moved to another credential id with prf_unlock_failed', async () => {
    const prfOutput = crypto.getRandomValues(new Uint8Array(32));
    const { record: withPrf, wrap } = await addPrfWrap(record, unlocked, { credentialId: 'cred-1', prfOutput });
    const moved = { ...withPrf, prf: [{ ...wrap, credentialId: 'cred-9' }] };
    expect(await codeOf(unlockWithPrf(moved, { credentialId: 'cred-9', prfOutput }))).toBe('prf_unlock_failed');
  });

  it('refuses stored Argon2 params weakened to m = 32 MiB or t = 1 with kdf_too_weak before hashing', async () => {
    let calls = 0;
    const counting: DeriveArgon2 = (...args) => (calls++, argon2(...args));
    for (const weaker of [{ memoryKiB: 32_768 }, { iterations: 1 }]) {
      const downgraded = { ...record, pin: { ...record.pin, params: { ...record.pin.params, ...weaker } } };
      expect(await codeOf(unlockWithPin(downgraded, '493817', counting))).toBe('kdf_too_weak');
    }
    expect(calls).toBe(0);
  });

  it('refuses to create a vault with weak Argon2 params with kdf_too_weak', async () => {
    const weak = { memoryKiB: 32_768, iterations: 3, parallelism: 1, hashLength: 32 } as Argon2Params;
    expect(await codeOf(createLocalVault({ userId: 'bob', pin: '493817', argon2, params: weak }))).toBe('kdf_too_weak');
  });

  it('refuses a record of user A unlocked as user B with wrong_pin, even with the right PIN', async () => {
    expect(await codeOf(unlockWithPin({ ...record, userId: 'bob' }, '493817', argon2))).toBe('wrong_pin');
  });

  it('hashes the NFKC form of the PIN, so full-width digits unlock too', async () => {
    await expect(unlockWithPin(record, '４９３８１７', argon2)).resolves.toBeTruthy();
  });

  it('passes the abort signal to Argon2 and rejects with its reason', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(unlockWithPin(record, '493817', argon2, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses an Argon2 function that returns a short tag with kdf_failed', async () => {
    const short: DeriveArgon2 = async () => new Uint8Array(16);
    expect(await codeOf(unlockWithPin(record, '493817', short))).toBe('kdf_failed');
  });
});
