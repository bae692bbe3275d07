import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PIN, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

describe('Vault.prepareUnlock', () => {
  let world: VaultWorld;
  beforeEach(async () => {
    world = await startVaultWorld();
  });
  afterEach(() => world.close());

  it('starts the Argon2 worker only for a locked vault, and the unlock that follows works', async () => {
    let prewarmed = 0;
    const page = world.vault(world.store, { prewarmArgon2: () => prewarmed++ });
    await page.start();
    page.prepareUnlock(); // welcome: no vault to unlock
    expect(prewarmed).toBe(0);

    await onboard(world);
    const reloaded = world.vault(world.reopenStore(), { prewarmArgon2: () => prewarmed++ });
    await reloaded.start();
    expect(reloaded.state.kind).toBe('locked');
    reloaded.prepareUnlock();
    expect(prewarmed).toBe(1);

    await reloaded.unlockWithPin(PIN);
    expect(reloaded.state.kind).toBe('unlocked');
    reloaded.prepareUnlock(); // open already: nothing to warm
    expect(prewarmed).toBe(1);
    await reloaded.sync.now(); // the start's background sync, ended before the world closes
  });
});
