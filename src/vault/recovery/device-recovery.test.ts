import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStore } from '../platform/local-store';
import { OTHER_PIN, PIN, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: { code?: unknown; guessesLeft?: unknown }) => ({ code: error.code, guessesLeft: error.guessesLeft }),
  );

describe('Vault: a new device recovers with the PIN', () => {
  let world: VaultWorld;
  let otherStore: LocalStore;
  let stores = 0;
  beforeEach(async () => {
    world = await startVaultWorld();
    otherStore = new LocalStore(`keyhold-test-device-b-${process.pid}-${++stores}`);
  });
  afterEach(async () => {
    otherStore.close();
    await world.close();
  });

  /** Device A: onboarded, one record, PIN recovery registered. */
  async function deviceA() {
    const a = await onboard(world);
    await a.records.save(null, { kind: 'note', title: 'Wi-Fi', body: 'correct horse' });
    await a.account.pinRecoverySettled();
    return a;
  }

  it('recovers into an unlocked vault that opens the records of the first device', async () => {
    const a = await deviceA();
    const userId = (a.state as { userId: string }).userId;
    const b = world.vault(otherStore);
    await b.start();
    expect(b.state.kind).toBe('welcome');
    const phases: string[] = [];
    await b.recovery.withPin(' Alice ', PIN, { onProgress: (phase) => phases.push(phase) });
    expect(b.state).toMatchObject({ kind: 'unlocked', username: 'alice', userId });
    expect(phases.at(-1)).toBe('done');

    // Records sync is not built yet: copy A's ciphertext rows to prove B holds the same keys.
    await otherStore.db.records.bulkPut(await world.store.db.records.toArray());
    expect((await b.records.list()).map((r) => r.title)).toEqual(['Wi-Fi']);

    const storedB = await otherStore.readVault();
    const storedA = await world.store.readVault();
    expect(storedB?.record.keyBundle).toBe(storedA?.record.keyBundle);
    expect(storedB?.deviceId).not.toBe(storedA?.deviceId);
    expect(storedB?.record.deviceKey.id).not.toBe(storedA?.record.deviceKey.id);

    // The device row works offline afterwards with the same PIN.
    b.lock('button');
    world.network.offline = true;
    await b.unlockWithPin(PIN);
    expect(b.state.kind).toBe('unlocked');
  });

  it('says how many guesses are left after a wrong PIN, then that recovery is locked', async () => {
    await deviceA();
    const b = world.vault(otherStore);
    await b.start();
    await expect(failure(b.recovery.withPin('alice', OTHER_PIN))).resolves.toEqual({ code: 'recovery_pin_wrong', guessesLeft: 9 });
    expect(b.state.kind).toBe('welcome');
    for (let left = 8; left >= 1; left--) {
      await expect(failure(b.recovery.withPin('alice', OTHER_PIN))).resolves.toEqual({ code: 'recovery_pin_wrong', guessesLeft: left });
    }
    // The tenth wrong PIN spends the allowance: from then on even the right PIN is refused.
    await expect(failure(b.recovery.withPin('alice', OTHER_PIN))).resolves.toMatchObject({ code: 'recovery_pin_locked' });
    await expect(failure(b.recovery.withPin('alice', PIN))).resolves.toMatchObject({ code: 'recovery_pin_locked' });
    expect(await otherStore.readVault()).toBeUndefined();
  });

  it('uses a new local PIN when asked, and registers PIN recovery for it', async () => {
    await deviceA();
    const b = world.vault(otherStore);
    await b.start();
    await b.recovery.withPin('alice', PIN, { newPin: OTHER_PIN });
    await b.account.pinRecoverySettled();
    expect((await otherStore.readVault())?.pinRecoveryRegistered).toBe(true);
    b.lock('button');
    await b.unlockWithPin(OTHER_PIN);
    expect(b.state.kind).toBe('unlocked');

    const c = world.vault(new LocalStore(`keyhold-test-device-c-${process.pid}-${stores}`));
    await c.start();
    await c.recovery.withPin('alice', OTHER_PIN);
    expect(c.state.kind).toBe('unlocked');
  });

  it('refuses a weak new PIN before spending a guess, and says so offline', async () => {
    await deviceA();
    const b = world.vault(otherStore);
    await b.start();
    await expect(failure(b.recovery.withPin('alice', PIN, { newPin: '1234' }))).resolves.toMatchObject({ code: 'pin_rejected' });
    world.network.offline = true;
    await expect(failure(b.recovery.withPin('alice', PIN))).resolves.toMatchObject({ code: 'offline' });
    world.network.offline = false;
    await b.recovery.withPin('alice', PIN);
    expect(b.state.kind).toBe('unlocked');
  });
});
