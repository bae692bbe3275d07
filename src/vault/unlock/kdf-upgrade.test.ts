import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ARGON2_PARAMS, parseArgon2Params } from '../crypto';
import { PIN, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

describe('raising the Argon2 parameters', () => {
  let world: VaultWorld;
  beforeEach(async () => {
    world = await startVaultWorld();
  });
  afterEach(() => world.close());

  it('re-wraps the root secret under the stronger parameters at the next PIN unlock, and the PIN still works', async () => {
    await onboard(world);
    const stronger = parseArgon2Params({ ...DEFAULT_ARGON2_PARAMS, memoryKiB: 2 * DEFAULT_ARGON2_PARAMS.memoryKiB, iterations: 4 });
    const controller = world.vault(world.reopenStore(), { argon2Params: stronger });
    await controller.start();
    const before = await world.reopenStore().readVault();
    expect(before?.record.pin.params).toMatchObject({ memoryKiB: DEFAULT_ARGON2_PARAMS.memoryKiB, iterations: 3 });

    await controller.unlockWithPin(PIN);
    await expect.poll(async () => (await world.reopenStore().readVault())?.record.pin.params).toMatchObject({ memoryKiB: stronger.memoryKiB, iterations: 4 });
    const after = await world.reopenStore().readVault();
    expect(after?.record.pin.salt).not.toBe(before?.record.pin.salt);

    controller.lock('button');
    await controller.unlockWithPin(PIN);
    expect(controller.state.kind).toBe('unlocked');
    controller.lock('button');
    await expect(failureOf(controller.unlockWithPin('999999'))).resolves.toMatchObject({ code: 'wrong_pin' });
  });

  it('leaves a wrap that is already as strong untouched', async () => {
    await onboard(world);
    const before = await world.reopenStore().readVault();
    const controller = world.vault(world.reopenStore());
    await controller.start();
    await controller.unlockWithPin(PIN);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await world.reopenStore().readVault())?.record.pin.salt).toBe(before?.record.pin.salt);
  });
});
