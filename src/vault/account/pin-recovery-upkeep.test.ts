import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OTHER_PIN, PIN, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

describe('Vault: PIN recovery registered in the background', () => {
  let world: VaultWorld;
  beforeEach(async () => {
    world = await startVaultWorld();
  });
  afterEach(() => world.close());

  const serverRecord = (userId: string) =>
    world.server.store.db.selectFrom('pin_recovery').selectAll().where('subject', '=', userId).executeTakeFirst();
  const userIdOf = (state: { kind: string }) => (state as unknown as { userId: string }).userId;

  it('registers PIN recovery with the onboarding PIN and marks the vault row', async () => {
    const controller = await onboard(world);
    const userId = userIdOf(controller.state);
    await controller.account.pinRecoverySettled();
    const row = await serverRecord(userId);
    expect(row).toMatchObject({ guesses_left: row?.allowance });
    expect((await world.store.readVault())?.pinRecoveryRegistered).toBe(true);
  });

  it('registers a new PIN-recovery record after a PIN change', async () => {
    const controller = await onboard(world);
    const userId = userIdOf(controller.state);
    await controller.account.pinRecoverySettled();
    const before = await serverRecord(userId);
    await controller.account.changePin(PIN, OTHER_PIN, OTHER_PIN);
    expect(controller.state.kind).toBe('locked');
    await controller.account.pinRecoverySettled();
    const after = await serverRecord(userId);
    expect(after?.salt).not.toBe(before?.salt);
    expect(after?.tag_digest).not.toBe(before?.tag_digest);
    expect((await world.store.readVault())?.pinRecoveryRegistered).toBe(true);
  });

  it('never blocks onboarding when offline, and registers at the next unlock', async () => {
    const controller = world.vault();
    await controller.start();
    await controller.onboarding.createAccount('alice');
    world.network.failing = /\/recovery\/pin\/register/;
    await controller.onboarding.choosePin(PIN, PIN);
    expect(controller.state.kind).toBe('unlocked');
    await controller.account.pinRecoverySettled();
    const userId = userIdOf(controller.state);
    expect(await serverRecord(userId)).toBeUndefined();
    expect((await world.store.readVault())?.pinRecoveryRegistered).toBe(false);

    world.network.failing = null;
    controller.lock('button');
    await controller.unlockWithPin(PIN);
    await controller.account.pinRecoverySettled();
    expect(await serverRecord(userId)).toBeDefined();
    expect((await world.store.readVault())?.pinRecoveryRegistered).toBe(true);
  });

  it('does not register again at an unlock once registered', async () => {
    const controller = await onboard(world);
    await controller.account.pinRecoverySettled();
    controller.lock('button');
    const sent = world.network.requests.length;
    await controller.unlockWithPin(PIN);
    await controller.account.pinRecoverySettled();
    expect(world.network.requests.slice(sent).filter((r) => r.includes('/recovery/pin/register'))).toEqual([]);
  });
});
