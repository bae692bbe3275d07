import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStore } from '../platform/local-store';
import { OTHER_PIN, PIN, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

/** The world's one software authenticator stands for a passkey synced to the new device. */
describe('Vault: the passkey route on a new device', () => {
  let world: VaultWorld;
  let store: LocalStore;
  let n = 0;
  beforeEach(async () => {
    world = await startVaultWorld();
    store = new LocalStore(`keyhold-test-passkey-${process.pid}-${++n}`);
  });
  afterEach(async () => {
    store.close();
    await world.close();
  });

  it('opens wrap_prf(S) with the PRF after the sign-in, sets a PIN, and keeps PRF unlock on this device', async () => {
    const a = await onboard(world);
    await a.account.pinRecoverySettled();
    const sentBefore = world.network.bodies.length;
    const b = world.vault(store);
    await b.start();
    await b.recovery.withPasskey('alice', OTHER_PIN, OTHER_PIN);
    expect(b.state).toMatchObject({ kind: 'unlocked', username: 'alice', prfUnlock: true });
    // The PRF output stayed in the browser.
    const sent = world.network.bodies.slice(sentBefore).join('\n');
    for (const output of world.ceremonies.prfOutputs) expect(sent).not.toContain(Buffer.from(output).toString('base64url'));

    await b.account.pinRecoverySettled();
    expect((await store.readVault())?.pinRecoveryRegistered).toBe(true);

    b.lock('button');
    world.network.offline = true;
    await b.unlockWithPasskey();
    expect(b.state.kind).toBe('unlocked');
    b.lock('button');
    await b.unlockWithPin(OTHER_PIN);
    expect(b.state.kind).toBe('unlocked');
  });

  it('without PRF explains that the PIN or an authenticator code is needed', async () => {
    world.ceremonies.prf = false;
    await (await onboard(world, 'alice', PIN)).account.pinRecoverySettled();
    const b = world.vault(store);
    await b.start();
    await expect(failureOf(b.recovery.withPasskey('alice', OTHER_PIN, OTHER_PIN))).resolves.toMatchObject({ code: 'prf_unavailable' });
    expect(b.state.kind).toBe('welcome');
  });
});
