import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OTHER_PIN, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';
import { DEFAULT_SETTINGS } from '../unlock/auto-lock-settings';
import { NO_THROTTLE } from '../unlock/unlock-throttle';
import { LocalStore } from './local-store';

const databaseNames = async () => (await indexedDB.databases()).map((d) => d.name);

describe('the lock screen’s first read (idb) of the database Dexie owns', () => {
  let world: VaultWorld;
  beforeEach(async () => {
    world = await startVaultWorld();
  });
  afterEach(() => world.close());

  it('sees the vault row, the settings and the PIN throttle exactly as Dexie wrote them', async () => {
    const vault = await onboard(world);
    await vault.settings.update({ idleLockMinutes: 2, repromptMinutes: 1 });
    vault.lock('button');
    await expect(failureOf(vault.unlockWithPin(OTHER_PIN))).resolves.toMatchObject({ code: 'wrong_pin' });

    const reloaded = world.reopenStore();
    const atStart = await reloaded.readAtStart();
    expect(atStart).toEqual({ vault: await world.store.readVault(), settings: await world.store.readSettings(), throttle: await world.store.readThrottle() });
    expect(atStart.vault?.username).toBe('alice');
    expect(atStart.settings).toMatchObject({ idleLockMinutes: 2, repromptMinutes: 1 });
    expect(atStart.throttle.failures).toBe(1);

    // A reload starts locked from that read, with the wrong attempt still counted.
    const page = world.vault(reloaded);
    await page.start();
    expect(page.state).toMatchObject({ kind: 'locked', username: 'alice', throttle: { failures: 1 } });
    expect(page.settings.current).toMatchObject({ idleLockMinutes: 2 });
    await page.sync.now(); // the sync a start begins in the background, ended before the world closes
  });

  it('on a device without a vault reads nothing and creates no database, which Dexie then creates with its schema', async () => {
    const name = `first-screen-${process.pid}-${Date.now()}`;
    const store = new LocalStore(name);
    await expect(store.readAtStart()).resolves.toEqual({ vault: undefined, settings: DEFAULT_SETTINGS, throttle: NO_THROTTLE });
    expect(await databaseNames()).not.toContain(name);

    await store.writeSettings({ ...DEFAULT_SETTINGS, idleLockMinutes: 3 });
    expect(await databaseNames()).toContain(name);
    await expect(store.readAtStart()).resolves.toMatchObject({ vault: undefined, settings: { idleLockMinutes: 3 } });
    store.close();
  });
});
