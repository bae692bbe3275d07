import { describe, expect, it } from 'vitest';
import { adoptRootSecret } from './adopt-root-secret';
import { VaultCryptoError } from '../../errors';
import { fakeArgon2ForHierarchyTests as argon2 } from '../../../../test/helpers/fake-argon2';
import type { RootSecret } from '../keys';
import { decryptRecord, encryptRecord } from '../records';
import { createLocalVault } from './local-vault';
import { unlockWithPin, withRootSecret } from './unlock';

const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (e: unknown) => (e instanceof VaultCryptoError ? e.code : e),
  );

/** S out of an unlocked vault, as a recovery route would hand it over (a copy the test owns). */
const rootSecretOf = (access: Parameters<typeof withRootSecret>[0]) => withRootSecret(access, async (s) => s.slice() as RootSecret);

describe('adoptRootSecret: a new device joins an existing vault', () => {
  it('keeps the key bundle, so records of the first device open; the device key and PIN wrap are new', async () => {
    const first = await createLocalVault({ userId: 'alice', pin: '493817', argon2 });
    const rootSecret = await rootSecretOf(first.unlocked.rootSecretAccess);
    const adopted = await adoptRootSecret({ userId: 'alice', pin: '615093', rootSecret, keyBundle: first.record.keyBundle, keyBundleVersion: 1, argon2 });

    expect(adopted.record.keyBundle).toBe(first.record.keyBundle);
    expect(adopted.unlocked.vaultId).toBe(first.unlocked.vaultId);
    expect(adopted.record.deviceKey.id).not.toBe(first.record.deviceKey.id);
    expect(adopted.record.pin.salt).not.toBe(first.record.pin.salt);
    const ctx = { userId: 'alice', recordId: 'r1', v: 1 };
    const encrypted = await encryptRecord({ note: 'hi' }, first.unlocked.vaultKey, ctx);
    expect(await decryptRecord(encrypted, adopted.unlocked.vaultKey, ctx)).toEqual({ note: 'hi' });

    // The new device's PIN opens its record; S was left to its owner (not wiped here).
    const again = await unlockWithPin(adopted.record, '615093', argon2);
    expect(again.vaultId).toBe(first.unlocked.vaultId);
    expect(rootSecret.some((b) => b !== 0)).toBe(true);
  });

  it('refuses a key bundle that S does not open, and a PIN the policy refuses', async () => {
    const alice = await createLocalVault({ userId: 'alice', pin: '493817', argon2 });
    const other = await createLocalVault({ userId: 'alice', pin: '493817', argon2 });
    const rootSecret = await rootSecretOf(alice.unlocked.rootSecretAccess);
    await expect(codeOf(adoptRootSecret({ userId: 'alice', pin: '615093', rootSecret, keyBundle: other.record.keyBundle, keyBundleVersion: 1, argon2 }))).resolves.toBe('decrypt_failed');
    // A bundle handed out under another version than the one it was sealed for (a rollback) does not open.
    await expect(codeOf(adoptRootSecret({ userId: 'alice', pin: '615093', rootSecret, keyBundle: alice.record.keyBundle, keyBundleVersion: 2, argon2 }))).resolves.toBe('decrypt_failed');
    await expect(codeOf(adoptRootSecret({ userId: 'alice', pin: '123456', rootSecret, keyBundle: alice.record.keyBundle, keyBundleVersion: 1, argon2 }))).resolves.toBe('pin_rejected');
  });
});
