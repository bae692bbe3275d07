import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PIN, dumpServerDb, failureOf, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';
import type { OriginStorage } from '../platform/origin-wipe';
import type { Vault } from '../vault';
import type { DeleteAccountStep } from './delete-account';

const databaseNames = async () => (await indexedDB.databases()).map((info) => info.name);

/** A connection that ignores `versionchange`, as a tab of an older Keyhold might hold. */
function stubbornConnection(name: string): Promise<IDBDatabase> {
  return new Promise((resolve) => {
    const request = indexedDB.open(name, 1);
    request.onsuccess = () => resolve(request.result);
  });
}

describe('Vault: deleting the account', () => {
  let world: VaultWorld;
  let vault: Vault;
  let origin: OriginStorage;

  /** A page of this world whose wipe reaches the test's IndexedDB and waits on the world's clock. */
  const page = (store = world.store) => world.vault(store, { originStorage: origin });

  beforeEach(async () => {
    world = await startVaultWorld();
    origin = { indexedDB, webStorage: [], setTimer: world.clock.setTimer, clearTimer: world.clock.clearTimer };
    vault = page();
    await vault.start();
    await vault.onboarding.createAccount('alice');
    await vault.onboarding.choosePin(PIN, PIN);
    await vault.account.pinRecoverySettled();
    await vault.records.save(null, { kind: 'note', title: 'Alarm code', body: 'correct horse battery staple' });
    await vault.sync.now();
    expect(vault.sync.status.pending).toBe(0);
  });
  afterEach(() => world.close());

  const userId = () => (vault.state.kind === 'unlocked' ? vault.state.userId : '');
  const serverRows = async (id: string) => {
    const db = world.server.store.db;
    return {
      users: (await db.selectFrom('users').select('id').where('id', '=', id).execute()).length,
      records: (await db.selectFrom('records').select('id').where('user_id', '=', id).execute()).length,
      audit: (await db.selectFrom('audit_log').select('type').where('user_id', '=', id).execute()).map((row) => row.type),
    };
  };

  it('after a new passkey sign-in, erases the account on the server and every database here, and shows the welcome screen', async () => {
    const id = userId();
    const steps: DeleteAccountStep[] = [];
    const prompts = world.ceremonies.calls.length;

    await vault.account.deleteAccount('  Alice ', undefined, (step) => steps.push(step));

    expect(steps).toEqual(['passkey', 'server', 'device']);
    expect(world.ceremonies.calls.slice(prompts)).toEqual([{ kind: 'get', prf: true }]);
    expect(vault.state).toEqual({ kind: 'welcome', online: true, accountDeleted: { leftovers: [] } });
    expect(await databaseNames()).toEqual([]);
    expect(await serverRows(id)).toEqual({ users: 0, records: 0, audit: ['account.erased'] });
    expect(await dumpServerDb(world.server)).not.toContain('"alice"');
  });

  it('the same page can then create an account of that name again', async () => {
    const id = userId();
    await vault.account.deleteAccount('alice');
    await vault.onboarding.createAccount('alice');
    await vault.onboarding.choosePin(PIN, PIN);
    expect(vault.state).toMatchObject({ kind: 'unlocked', username: 'alice' });
    expect(userId()).not.toBe(id);
    expect(await vault.records.list()).toEqual([]);
    expect(await databaseNames()).toContain(world.store.db.name);
  });

  it('another open tab of the vault sees the welcome screen: its copy is gone too', async () => {
    const otherTab = page(world.reopenStore());
    await otherTab.start();
    expect(otherTab.state.kind).toBe('locked');
    await vault.account.deleteAccount('alice');
    await expect.poll(() => otherTab.state.kind).toBe('welcome');
    expect(await databaseNames()).toEqual([]);
  });

  it('a typed name that is not the account’s deletes nothing and asks for no passkey', async () => {
    const id = userId();
    const prompts = world.ceremonies.calls.length;
    await expect(failureOf(vault.account.deleteAccount('alicia'))).resolves.toMatchObject({ code: 'username_mismatch' });
    await expect(failureOf(vault.account.deleteAccount('not a name!'))).resolves.toMatchObject({ code: 'username_mismatch' });
    expect(world.ceremonies.calls.length).toBe(prompts);
    expect(vault.state.kind).toBe('unlocked');
    expect((await vault.records.list()).map((r) => r.title)).toEqual(['Alarm code']);
    expect((await serverRows(id)).users).toBe(1);
  });

  it('a cancelled passkey prompt deletes nothing, here or on the server', async () => {
    const id = userId();
    world.ceremonies.cancel = true;
    await expect(failureOf(vault.account.deleteAccount('alice'))).resolves.toMatchObject({ code: 'passkey_cancelled' });
    expect(vault.state.kind).toBe('unlocked');
    expect((await vault.records.list()).map((r) => r.title)).toEqual(['Alarm code']);
    expect(await serverRows(id)).toMatchObject({ users: 1, records: 1 });
  });

  it('offline, deletes nothing: the vault stays as it was', async () => {
    const id = userId();
    world.network.offline = true;
    await expect(failureOf(vault.account.deleteAccount('alice'))).resolves.toMatchObject({ code: 'offline' });
    expect((await vault.records.list()).map((r) => r.title)).toEqual(['Alarm code']);
    world.network.offline = false;
    expect(await serverRows(id)).toMatchObject({ users: 1, records: 1 });
  });

  it('says what a connection held open past the wait, and erases it when asked again after that connection closed', async () => {
    const held = await stubbornConnection('opened-by-an-old-tab');
    const timersBefore = world.clock.pendingTimers;
    const deleting = failureOf(vault.account.deleteAccount('alice'));
    // Every other deletion has finished: only the wait for the held database is left.
    await expect.poll(() => world.clock.pendingTimers).toBe(timersBefore + 1);
    world.clock.advance(10_000);
    await expect(deleting).resolves.toMatchObject({ code: 'wipe_incomplete' });
    expect(vault.state).toMatchObject({ kind: 'welcome', accountDeleted: { leftovers: ['database opened-by-an-old-tab (open in another tab)'] } });
    expect(await databaseNames()).not.toContain(world.store.db.name);

    held.close();
    await vault.account.eraseThisDevice();
    expect(vault.state).toMatchObject({ kind: 'welcome', accountDeleted: { leftovers: [] } });
    expect(await databaseNames()).toEqual([]);
  });

  it('erasing this device is refused where no account was deleted', async () => {
    await expect(failureOf(vault.account.eraseThisDevice())).resolves.toMatchObject({ code: 'not_found' });
    expect(await databaseNames()).toContain(world.store.db.name);
  });

  it('downloads what the server holds: the account’s username and ciphertext, no plaintext', async () => {
    const file = await vault.account.downloadServerData();
    const day = new Date(world.clock.now);
    const date = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
    expect(file).toMatchObject({ name: `keyhold-server-data-${date}.json`, type: 'application/json' });
    const text = await file.blob.text();
    const body = JSON.parse(text) as { user: { username: string }; records?: unknown[] };
    expect(body.user.username).toBe('alice');
    expect(text).not.toContain('correct horse');
    expect(text).not.toContain('Alarm code');
  });

  it('downloads after a passkey sign-in when this device holds only a device session', async () => {
    await world.server.app.request('/api/session/signout', { method: 'POST', headers: { origin: 'http://localhost:8080', cookie: world.network.cookie ?? '' } });
    world.network.cookie = undefined;
    await vault.sync.now(); // the sync engine signs the device in: a device session
    expect(world.network.cookie).toBeDefined();
    const prompts = world.ceremonies.calls.length;
    const file = await vault.account.downloadServerData();
    expect(world.ceremonies.calls.slice(prompts)).toEqual([{ kind: 'get', prf: true }]);
    expect((JSON.parse(await file.blob.text()) as { user: { username: string } }).user.username).toBe('alice');
  });
});
