import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VaultController } from './vault-controller';
import { RECORDS_CHANGED, SYNC_CHANGED, type LoginContent, type NoteContent } from './vault-state';
import { PIN, dumpServerDb, onboard, startVaultWorld, type OtherDevice, type VaultWorld } from './vault-test-kit';

const mail: LoginContent = { kind: 'login', title: 'Zephyrmail', username: 'alice', password: 'Tr0ub4dor&3-horse', url: 'https://mail.zephyr.example', notes: '' };
const wifi: NoteContent = { kind: 'note', title: 'Attic wifi', body: 'ssid Skywalker, passphrase correct-horse-staple' };

/** What a person sees in the list: title, kind, whether it is a conflict copy (and of which title). */
async function visible(controller: VaultController): Promise<string[]> {
  const list = await controller.listRecords();
  const titleOf = new Map(list.map((r) => [r.id, r.title]));
  return list.map((r) => (r.conflictOf ? `${r.title} [conflict copy of ${titleOf.get(r.conflictOf) ?? 'a deleted item'}]` : r.title)).sort();
}

describe('VaultController: sync between two devices', () => {
  let world: VaultWorld;
  let phone: VaultController;
  let tablet: OtherDevice;

  /** The tablet: a second device recovered with the PIN, as a person would add one. */
  async function recoverTablet(): Promise<VaultController> {
    tablet = world.otherDevice();
    const controller = tablet.controller();
    await controller.start();
    await controller.recoverWithPin('alice', PIN);
    await controller.syncNow();
    return controller;
  }

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    await phone.syncNow();
  });
  afterEach(() => world.close());

  it('sends a saved record to the server as ciphertext and marks it synced', async () => {
    const id = await phone.saveRecord(null, mail);
    await phone.syncNow();
    expect((await phone.listRecords()).map((r) => [r.id, r.synced])).toEqual([[id, true]]);
    expect(phone.syncStatus).toMatchObject({ phase: 'idle', pending: 0, failure: null, lastSyncAt: world.clock.now });
    const dump = await dumpServerDb(world.server);
    const records = await world.server.store.db.selectFrom('records').selectAll().execute();
    expect(records).toHaveLength(1);
    expect(JSON.stringify(records) + dump).not.toContain('Tr0ub4dor');
    expect(JSON.stringify(records)).not.toContain('Zephyrmail');
  });

  it('a recovered device downloads and opens the whole vault, with progress', async () => {
    for (let i = 0; i < 7; i++) await phone.saveRecord(null, { ...wifi, title: `Note ${i}` });
    await phone.saveRecord(null, mail);
    await phone.syncNow();

    tablet = world.otherDevice();
    // Pages of 3 so the download spans several, as a big vault's does.
    const controller = tablet.controller({ syncPageSize: 3 });
    const progress: string[] = [];
    controller.addEventListener(SYNC_CHANGED, () => {
      const p = controller.syncStatus.progress;
      if (p) progress.push(`${p.done}/${p.total}`);
    });
    await controller.start();
    await controller.recoverWithPin('alice', PIN);
    await controller.syncNow();
    expect(progress[0]).toBe('3/8');
    expect(progress.at(-1)).toBe('8/8');
    expect(await visible(controller)).toEqual(await visible(phone));
    expect(await visible(controller)).toHaveLength(8);
    expect(controller.syncStatus).toMatchObject({ phase: 'idle', pending: 0, progress: null });
  });

  it('shows edits from the other device after a sync, and deletions propagate', async () => {
    const id = await phone.saveRecord(null, mail);
    await phone.syncNow();
    const other = await recoverTablet();
    await expect(other.readRecord(id)).resolves.toEqual(mail);

    await other.saveRecord(id, { ...mail, password: 'changed-on-tablet' });
    await other.syncNow();
    let changed = 0;
    phone.addEventListener(RECORDS_CHANGED, () => changed++);
    await phone.syncNow();
    expect(changed).toBeGreaterThan(0);
    await expect(phone.readRecord(id)).resolves.toMatchObject({ password: 'changed-on-tablet' });

    await phone.deleteRecord(id);
    await phone.syncNow();
    await other.syncNow();
    expect(await other.listRecords()).toEqual([]);
    await expect(other.readRecord(id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('an edit made offline meets a concurrent edit: both versions stay, the loser as a conflict copy', async () => {
    const id = await phone.saveRecord(null, mail);
    await phone.syncNow();
    const other = await recoverTablet();

    world.network.offline = true;
    await phone.readRecord(id);
    await phone.saveRecord(id, { ...mail, password: 'phone-offline-edit' });
    await phone.syncNow();
    expect(phone.syncStatus).toMatchObject({ phase: 'offline', pending: 1 });

    await other.readRecord(id);
    await other.saveRecord(id, { ...mail, password: 'tablet-online-edit' });
    await other.syncNow();

    world.network.offline = false;
    await phone.syncNow();
    await other.syncNow();

    for (const device of [phone, other]) {
      expect(await visible(device)).toEqual(['Zephyrmail', 'Zephyrmail [conflict copy of Zephyrmail]']);
      await expect(device.readRecord(id)).resolves.toMatchObject({ password: 'tablet-online-edit' });
      const copy = (await device.listRecords()).find((r) => r.conflictOf === id)!;
      await expect(device.readRecord(copy.id)).resolves.toMatchObject({ password: 'phone-offline-edit', conflictOf: id });
      expect(device.syncStatus).toMatchObject({ phase: 'idle', pending: 0 });
    }
  });

  it('settles a conflict copy: keep both, use the copy, or discard it', async () => {
    const id = await phone.saveRecord(null, mail);
    await phone.syncNow();
    const other = await recoverTablet();
    const conflict = async (password: string) => {
      await other.syncNow();
      world.network.offline = true;
      await phone.readRecord(id);
      await phone.saveRecord(id, { ...mail, password });
      await other.readRecord(id);
      await other.saveRecord(id, { ...mail, password: `${password}-tablet` });
      await other.syncNow();
      world.network.offline = false;
      await phone.syncNow();
      return (await phone.listRecords()).find((r) => r.conflictOf === id)!.id;
    };

    const kept = await conflict('one');
    await expect(phone.resolveConflict(kept, 'keep-both')).resolves.toBe(kept);
    expect((await phone.readRecord(kept)).conflictOf).toBeUndefined();

    const used = await conflict('two');
    await expect(phone.resolveConflict(used, 'use-copy')).resolves.toBe(id);
    await expect(phone.readRecord(id)).resolves.toMatchObject({ password: 'two' });

    const dropped = await conflict('three');
    await expect(phone.resolveConflict(dropped, 'discard')).resolves.toBe(id);
    await phone.syncNow();
    await other.syncNow();
    // Left: the original (the tablet's last edit won) and the copy kept in the first round.
    expect(await visible(other)).toEqual(['Zephyrmail', 'Zephyrmail']);
    await expect(other.readRecord(id)).resolves.toMatchObject({ password: 'three-tablet' });
    await expect(other.readRecord(kept)).resolves.toMatchObject({ password: 'one' });
  });

  it('a deletion that meets a concurrent edit yields to the edit', async () => {
    const id = await phone.saveRecord(null, mail);
    await phone.syncNow();
    const other = await recoverTablet();
    world.network.offline = true;
    await phone.deleteRecord(id);
    await other.saveRecord(id, { ...mail, notes: 'still needed' });
    await other.syncNow();
    world.network.offline = false;
    await phone.syncNow();
    await expect(phone.readRecord(id)).resolves.toMatchObject({ notes: 'still needed' });
    expect(phone.syncStatus.pending).toBe(0);
  });

  it('an edit whose answer was lost is recognised as already sent, not as a conflict', async () => {
    const id = await phone.saveRecord(null, mail);
    await phone.syncNow();
    world.network.losingAnswers = /^PUT \/api\/records\//;
    await phone.saveRecord(id, { ...mail, notes: 'sent once' });
    await phone.syncNow();
    expect(phone.syncStatus).toMatchObject({ phase: 'offline', pending: 1 });
    world.network.losingAnswers = null;
    await phone.syncNow();
    expect(await visible(phone)).toEqual(['Zephyrmail']);
    expect(phone.syncStatus).toMatchObject({ phase: 'idle', pending: 0 });
  });

  it('a locked device still sends and receives, and keeps a conflict for the next unlock', async () => {
    const id = await phone.saveRecord(null, mail);
    await phone.syncNow();
    const other = await recoverTablet();
    world.network.offline = true;
    await phone.readRecord(id);
    await phone.saveRecord(id, { ...mail, password: 'phone' });
    await other.saveRecord(id, { ...mail, password: 'tablet' });
    await other.saveRecord(null, wifi);
    await other.syncNow();
    phone.lock('button');
    world.network.offline = false;
    await phone.syncNow();
    expect(phone.syncStatus).toMatchObject({ waitingForUnlock: 1, pending: 1 });
    expect(phone.syncStatus.phase).toBe('idle');

    await phone.unlockWithPin(PIN);
    await phone.syncNow();
    expect(await visible(phone)).toEqual(['Attic wifi', 'Zephyrmail', 'Zephyrmail [conflict copy of Zephyrmail]']);
    expect(phone.syncStatus).toMatchObject({ waitingForUnlock: 0, pending: 0 });
  });

  it('opens a device session by itself when the session is gone, but only while unlocked', async () => {
    await phone.saveRecord(null, mail);
    world.network.cookie = undefined;
    phone.lock('button');
    await phone.syncNow();
    expect(phone.syncStatus).toMatchObject({ phase: 'signed-out', pending: 1 });
    await phone.unlockWithPin(PIN);
    await phone.syncNow();
    expect(phone.syncStatus).toMatchObject({ phase: 'idle', pending: 0 });
    expect(world.network.requests).toContain('POST /api/devices/signin');
  });


  it('pulls one change with one request whatever the vault size', async () => {
    for (let i = 0; i < 30; i++) await phone.saveRecord(null, { ...wifi, title: `Note ${i}` });
    await phone.syncNow();
    const other = await recoverTablet();
    await other.saveRecord(null, mail);
    await other.syncNow();
    const before = world.network.requests.length;
    await phone.syncNow();
    const sent = world.network.requests.slice(before);
    expect(sent).toEqual([expect.stringMatching(/^GET \/api\/records\/changes\?after=\d+/)]);
    expect(await visible(phone)).toContain('Zephyrmail');
  });
});

describe('VaultController: sync limits', () => {
  it('a record over the server limit is reported and kept; the others still go', async () => {
    const world = await startVaultWorld({ RECORD_MAX_CHARS: '600' });
    try {
      const phone = await onboard(world);
      world.network.offline = true;
      const big = await phone.saveRecord(null, { ...wifi, body: 'x'.repeat(2000) });
      await phone.saveRecord(null, mail);
      world.network.offline = false;
      await phone.syncNow();
      expect(phone.syncStatus).toMatchObject({ phase: 'error', failure: 'record_too_large', pending: 1 });
      expect((await phone.listRecords()).map((r) => [r.title, r.synced]).sort()).toEqual([
        ['Attic wifi', false],
        ['Zephyrmail', true],
      ]);
      await expect(phone.readRecord(big)).resolves.toMatchObject({ title: 'Attic wifi' });
    } finally {
      await world.close();
    }
  });
});
