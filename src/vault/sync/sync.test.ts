import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Vault } from '../vault';
import { RECORDS_CHANGED, SYNC_CHANGED, type LoginContent, type NoteContent } from '../state';
import { PIN, dumpServerDb, failureOf, onboard, startVaultWorld, type OtherDevice, type VaultWorld } from '../../../test/helpers/vault-world';

const mail: LoginContent = { kind: 'login', title: 'Zephyrmail', username: 'alice', password: 'Tr0ub4dor&3-horse', url: 'https://mail.zephyr.example', notes: '' };
const wifi: NoteContent = { kind: 'note', title: 'Attic wifi', body: 'ssid Skywalker, passphrase correct-horse-staple' };

/** What a person sees in the list: title, kind, whether it is a conflict copy (and of which title). */
async function visible(controller: Vault): Promise<string[]> {
  const list = await controller.records.list();
  const titleOf = new Map(list.map((r) => [r.id, r.title]));
  return list.map((r) => (r.conflictOf ? `${r.title} [conflict copy of ${titleOf.get(r.conflictOf) ?? 'a deleted item'}]` : r.title)).sort();
}

describe('Vault: sync between two devices', () => {
  let world: VaultWorld;
  let phone: Vault;
  let tablet: OtherDevice;

  /** The tablet: a second device recovered with the PIN, as a person would add one. */
  async function recoverTablet(): Promise<Vault> {
    tablet = world.otherDevice();
    const controller = tablet.vault();
    await controller.start();
    await controller.recovery.withPin('alice', PIN);
    await controller.sync.now();
    return controller;
  }

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    await phone.account.pinRecoverySettled(); // the tablet recovers with the PIN: it must be registered
    await phone.sync.now();
  });
  afterEach(() => world.close());

  it('sends a saved record to the server as ciphertext and marks it synced', async () => {
    const id = await phone.records.save(null, mail);
    await phone.sync.now();
    expect((await phone.records.list()).map((r) => [r.id, r.synced])).toEqual([[id, true]]);
    expect(phone.sync.status).toMatchObject({ phase: 'idle', pending: 0, failure: null, lastSyncAt: world.clock.now });
    const dump = await dumpServerDb(world.server);
    const records = await world.server.store.db.selectFrom('records').selectAll().execute();
    expect(records).toHaveLength(1);
    expect(JSON.stringify(records) + dump).not.toContain('Tr0ub4dor');
    expect(JSON.stringify(records)).not.toContain('Zephyrmail');
  });

  it('a server shedding load pauses sync as a wait, backs off, and sends everything once it answers again', async () => {
    world.network.shedding = /\/api\/records/;
    const id = await phone.records.save(null, mail);
    await phone.sync.now(); // the run after the edit, then this one: two busy answers in a row
    // The server's own 503 reply (Retry-After: 1 s), doubled for the second busy run: the edit waits here.
    expect(phone.sync.status).toMatchObject({ phase: 'error', failure: 'server_busy', pending: 1, retryAt: world.clock.now + 2_000 });
    expect(await world.server.store.db.selectFrom('records').select('id').execute()).toEqual([]);

    // Still busy at the retry: the next wait doubles again instead of hammering the server every second.
    const sentBefore = world.network.requests.length;
    world.clock.advance(2_000);
    await expect.poll(() => phone.sync.status.retryAt).toBe(world.clock.now + 4_000);
    expect(world.network.requests.length).toBeGreaterThan(sentBefore);
    expect(phone.sync.status).toMatchObject({ phase: 'error', failure: 'server_busy', pending: 1 });

    // The server answers again: the retry that falls due sends the edit, with no action from the person.
    world.network.shedding = null;
    world.clock.advance(4_000);
    await expect.poll(() => phone.sync.status).toMatchObject({ phase: 'idle', failure: null, pending: 0, retryAt: null });
    expect((await world.server.store.db.selectFrom('records').select('id').execute()).map((r) => r.id)).toEqual([id]);
  });

  it('a busy retry that finds the network gone waits for the network, not for another retry', async () => {
    world.network.shedding = /\/api\/records/;
    await phone.records.save(null, mail);
    await phone.sync.now();
    expect(phone.sync.status).toMatchObject({ failure: 'server_busy', pending: 1 });
    const retryAt = phone.sync.status.retryAt!;
    world.network.offline = true;
    world.clock.advance(retryAt - world.clock.now);
    await expect.poll(() => phone.sync.status).toMatchObject({ phase: 'offline', pending: 1, retryAt: null });
    // Nothing is due before the minute's run: a stale retryAt would have re-armed at once, every turn.
    const timersWhileOffline = world.clock.pendingTimers;
    world.clock.advance(30_000);
    expect(world.clock.pendingTimers).toBe(timersWhileOffline);
    expect(phone.sync.status).toMatchObject({ phase: 'offline', pending: 1, retryAt: null });
  });

  it('a call made while the server sheds load fails as server_busy, changing nothing', async () => {
    world.network.shedding = /\/api\/devices/;
    await expect(failureOf(phone.devices.list())).resolves.toMatchObject({ code: 'server_busy' });
    world.network.shedding = null;
    await expect(phone.devices.list()).resolves.toHaveLength(1);
  });

  it('a recovered device downloads and opens the whole vault, with progress', async () => {
    for (let i = 0; i < 7; i++) await phone.records.save(null, { ...wifi, title: `Note ${i}` });
    await phone.records.save(null, mail);
    await phone.sync.now();

    tablet = world.otherDevice();
    // Pages of 3 so the download spans several, as a big vault's does.
    const controller = tablet.vault({ syncPageSize: 3 });
    const progress: string[] = [];
    controller.addEventListener(SYNC_CHANGED, () => {
      const p = controller.sync.status.progress;
      if (p) progress.push(`${p.done}/${p.total}`);
    });
    await controller.start();
    await controller.recovery.withPin('alice', PIN);
    await controller.sync.now();
    expect(progress[0]).toBe('3/8');
    expect(progress.at(-1)).toBe('8/8');
    expect(await visible(controller)).toEqual(await visible(phone));
    expect(await visible(controller)).toHaveLength(8);
    expect(controller.sync.status).toMatchObject({ phase: 'idle', pending: 0, progress: null });
  });

  it('shows edits from the other device after a sync, and deletions propagate', async () => {
    const id = await phone.records.save(null, mail);
    await phone.sync.now();
    const other = await recoverTablet();
    await expect(other.records.read(id)).resolves.toEqual(mail);

    await other.records.save(id, { ...mail, password: 'changed-on-tablet' });
    await other.sync.now();
    let changed = 0;
    phone.addEventListener(RECORDS_CHANGED, () => changed++);
    await phone.sync.now();
    expect(changed).toBeGreaterThan(0);
    await expect(phone.records.read(id)).resolves.toMatchObject({ password: 'changed-on-tablet' });

    await phone.records.remove(id);
    await phone.sync.now();
    await other.sync.now();
    expect(await other.records.list()).toEqual([]);
    await expect(other.records.read(id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('an edit made offline meets a concurrent edit: both versions stay, the loser as a conflict copy', async () => {
    const id = await phone.records.save(null, mail);
    await phone.sync.now();
    const other = await recoverTablet();

    world.network.offline = true;
    await phone.records.read(id);
    await phone.records.save(id, { ...mail, password: 'phone-offline-edit' });
    await phone.sync.now();
    expect(phone.sync.status).toMatchObject({ phase: 'offline', pending: 1 });

    await other.records.read(id);
    await other.records.save(id, { ...mail, password: 'tablet-online-edit' });
    await other.sync.now();

    world.network.offline = false;
    await phone.sync.now();
    await other.sync.now();

    for (const device of [phone, other]) {
      expect(await visible(device)).toEqual(['Zephyrmail', 'Zephyrmail [conflict copy of Zephyrmail]']);
      await expect(device.records.read(id)).resolves.toMatchObject({ password: 'tablet-online-edit' });
      const copy = (await device.records.list()).find((r) => r.conflictOf === id)!;
      await expect(device.records.read(copy.id)).resolves.toMatchObject({ password: 'phone-offline-edit', conflictOf: id });
      expect(device.sync.status).toMatchObject({ phase: 'idle', pending: 0 });
    }
  });

  it('settles a conflict copy: keep both, use the copy, or discard it', async () => {
    const id = await phone.records.save(null, mail);
    await phone.sync.now();
    const other = await recoverTablet();
    const conflict = async (password: string) => {
      // Both devices up to date first: the phone's settling of the last round is on the server.
      await phone.sync.now();
      await other.sync.now();
      world.network.offline = true;
      await phone.records.read(id);
      await phone.records.save(id, { ...mail, password });
      await other.records.read(id);
      await other.records.save(id, { ...mail, password: `${password}-tablet` });
      await other.sync.now();
      world.network.offline = false;
      await phone.sync.now();
      return (await phone.records.list()).find((r) => r.conflictOf === id)!.id;
    };

    const kept = await conflict('one');
    await expect(phone.records.resolveConflict(kept, 'keep-both')).resolves.toBe(kept);
    expect((await phone.records.read(kept)).conflictOf).toBeUndefined();

    const used = await conflict('two');
    await expect(phone.records.resolveConflict(used, 'use-copy')).resolves.toBe(id);
    await expect(phone.records.read(id)).resolves.toMatchObject({ password: 'two' });

    const dropped = await conflict('three');
    await expect(phone.records.resolveConflict(dropped, 'discard')).resolves.toBe(id);
    await phone.sync.now();
    await other.sync.now();
    // Left: the original (the tablet's last edit won) and the copy kept in the first round.
    expect(await visible(other)).toEqual(['Zephyrmail', 'Zephyrmail']);
    await expect(other.records.read(id)).resolves.toMatchObject({ password: 'three-tablet' });
    await expect(other.records.read(kept)).resolves.toMatchObject({ password: 'one' });
  });

  it('a deletion that meets a concurrent edit yields to the edit', async () => {
    const id = await phone.records.save(null, mail);
    await phone.sync.now();
    const other = await recoverTablet();
    world.network.offline = true;
    await phone.records.remove(id);
    await other.records.save(id, { ...mail, notes: 'still needed' });
    await other.sync.now();
    world.network.offline = false;
    await phone.sync.now();
    await expect(phone.records.read(id)).resolves.toMatchObject({ notes: 'still needed' });
    expect(phone.sync.status.pending).toBe(0);
  });

  it('an edit whose answer was lost is recognised as already sent, not as a conflict, and not sent again', async () => {
    const id = await phone.records.save(null, mail);
    await phone.sync.now();
    const before = world.network.requests.length;
    world.network.losingAnswers = /^PUT \/api\/records\//;
    await phone.records.save(id, { ...mail, notes: 'sent once' });
    await phone.sync.now();
    world.network.losingAnswers = null;
    await phone.sync.now();
    // The change feed shows the server holding exactly this edit (as when the service worker
    // replayed it): the pull settles it, so no push sends it again.
    expect(world.network.requests.slice(before).filter((r) => r.startsWith('PUT '))).toEqual([`PUT /api/records/${id}`]);
    expect(await visible(phone)).toEqual(['Zephyrmail']);
    expect(phone.sync.status).toMatchObject({ phase: 'idle', pending: 0 });
    await expect(phone.records.read(id)).resolves.toMatchObject({ notes: 'sent once' });
  });

  it('a deletion whose answer was lost is recognised as done, and not sent again', async () => {
    const id = await phone.records.save(null, mail);
    await phone.sync.now();
    const before = world.network.requests.length;
    world.network.losingAnswers = /^PUT \/api\/records\//;
    await phone.records.remove(id);
    await phone.sync.now();
    world.network.losingAnswers = null;
    await phone.sync.now();
    expect(world.network.requests.slice(before).filter((r) => r.startsWith('PUT '))).toEqual([`PUT /api/records/${id}`]);
    expect(await phone.records.list()).toEqual([]);
    expect(phone.sync.status).toMatchObject({ phase: 'idle', pending: 0 });
  });

  it('a locked device still sends and receives, and keeps a conflict for the next unlock', async () => {
    const id = await phone.records.save(null, mail);
    await phone.sync.now();
    const other = await recoverTablet();
    world.network.offline = true;
    await phone.records.read(id);
    await phone.records.save(id, { ...mail, password: 'phone' });
    await other.records.save(id, { ...mail, password: 'tablet' });
    await other.records.save(null, wifi);
    await other.sync.now();
    phone.lock('button');
    world.network.offline = false;
    await phone.sync.now();
    expect(phone.sync.status).toMatchObject({ waitingForUnlock: 1, pending: 1 });
    expect(phone.sync.status.phase).toBe('idle');

    await phone.unlockWithPin(PIN);
    await phone.sync.now();
    expect(await visible(phone)).toEqual(['Attic wifi', 'Zephyrmail', 'Zephyrmail [conflict copy of Zephyrmail]']);
    expect(phone.sync.status).toMatchObject({ waitingForUnlock: 0, pending: 0 });
  });

  it('opens a device session by itself when the session is gone, but only while unlocked', async () => {
    await phone.records.save(null, mail);
    world.network.cookie = undefined;
    phone.lock('button');
    await phone.sync.now();
    expect(phone.sync.status).toMatchObject({ phase: 'signed-out', pending: 1 });
    await phone.unlockWithPin(PIN);
    await phone.sync.now();
    expect(phone.sync.status).toMatchObject({ phase: 'idle', pending: 0 });
    expect(world.network.requests).toContain('POST /api/devices/signin');
  });


  it('pulls one change with one request whatever the vault size', async () => {
    for (let i = 0; i < 30; i++) await phone.records.save(null, { ...wifi, title: `Note ${i}` });
    await phone.sync.now();
    const other = await recoverTablet();
    await other.records.save(null, mail);
    await other.sync.now();
    const before = world.network.requests.length;
    await phone.sync.now();
    // The run's other requests, its look for device approvals and at the account log, are not part of the pull.
    const sent = world.network.requests.slice(before).filter((r) => r !== 'GET /api/device-approvals/pending' && !r.startsWith('GET /api/account/log'));
    expect(sent).toEqual([expect.stringMatching(/^GET \/api\/records\/changes\?after=\d+/)]);
    expect(await visible(phone)).toContain('Zephyrmail');
  });
});

describe('Vault: sync limits', () => {
  it('a record over the server limit is reported and kept; the others still go', async () => {
    const world = await startVaultWorld({ RECORD_MAX_CHARS: '600' });
    try {
      const phone = await onboard(world);
      world.network.offline = true;
      const big = await phone.records.save(null, { ...wifi, body: 'x'.repeat(2000) });
      await phone.records.save(null, mail);
      world.network.offline = false;
      await phone.sync.now();
      expect(phone.sync.status).toMatchObject({ phase: 'error', failure: 'record_too_large', pending: 1 });
      expect((await phone.records.list()).map((r) => [r.title, r.synced]).sort()).toEqual([
        ['Attic wifi', false],
        ['Zephyrmail', true],
      ]);
      await expect(phone.records.read(big)).resolves.toMatchObject({ title: 'Attic wifi' });
    } finally {
      await world.close();
    }
  });
});
