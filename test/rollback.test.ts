/**
 * Rollback detection, black box (docs/architecture.md "Rollback detection"): two devices on a real
 * key server, and an attacker who writes the server's database directly while it runs, on SQLite
 * and on PostgreSQL. The devices must refuse an older copy of a record, keep their own and say so;
 * legitimate edits from both devices must still converge.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Vault } from '../src/vault';
import type { NoteContent } from '../src/vault/state';
import { DIALECTS } from './helpers/harness';
import { PIN, failureOf, onboard, startVaultWorld, type OtherDevice, type VaultWorld } from './helpers/vault-world';

const first: NoteContent = { kind: 'note', title: 'Door code', body: '1234' };
const second: NoteContent = { kind: 'note', title: 'Door code', body: '9876 (changed in May)' };
const third: NoteContent = { kind: 'note', title: 'Door code', body: '5555 (changed in June)' };

describe.each(DIALECTS)('rollback of records by whoever writes the server database (%s)', (dialect) => {
  let world: VaultWorld;
  let phone: Vault;
  let tabletDevice: OtherDevice;
  let tablet: Vault;

  beforeEach(async () => {
    world = await startVaultWorld({}, dialect);
    phone = await onboard(world);
    await phone.account.pinRecoverySettled();
    await phone.sync.now();
    tabletDevice = world.otherDevice();
    tablet = tabletDevice.vault();
    await tablet.start();
    await tablet.recovery.withPin('alice', PIN);
    await tablet.sync.now();
  });
  afterEach(() => world.close());

  const db = () => world.server.store.db;

  /** The server's row of record `id`, as stored. */
  async function serverRow(id: string) {
    return db().selectFrom('records').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  /**
   * The attacker's write: record `id` becomes `fields`, under a fresh seq so every device's feed
   * hands it out again (as a restored backup, or an edit of the database, would).
   */
  async function tamper(id: string, fields: { version: number; v: number; wrapped_dek: string | null; ciphertext: string | null; deleted?: number }) {
    const row = await serverRow(id);
    const counters = await db().selectFrom('record_counters').selectAll().where('user_id', '=', row.user_id).executeTakeFirstOrThrow();
    const seq = counters.seq + 1;
    await db().updateTable('record_counters').set({ seq }).where('user_id', '=', row.user_id).execute();
    await db()
      .updateTable('records')
      .set({ ...fields, deleted: fields.deleted ?? 0, seq })
      .where('id', '=', id)
      .execute();
  }

  /** Saves `content` on `device` as record `id` (new when null), syncs, and returns the id and the server's row. */
  async function saveAndSync(device: Vault, id: string | null, content: NoteContent) {
    const saved = await device.records.save(id, content);
    await device.sync.now();
    return { id: saved, row: await serverRow(saved) };
  }

  it('an older version handed out again: both devices refuse it, keep their copy and warn; a newer edit clears the warning', async () => {
    const { id, row: atOne } = await saveAndSync(phone, null, first);
    const { row: atTwo } = await saveAndSync(phone, id, second);
    await tablet.sync.now();
    expect(await tablet.records.read(id)).toEqual(second);

    await tamper(id, { version: atOne.version, v: atOne.v, wrapped_dek: atOne.wrapped_dek, ciphertext: atOne.ciphertext });
    for (const device of [phone, tablet]) {
      await device.sync.now();
      expect(device.sync.status).toMatchObject({ rolledBack: 1 });
      expect(await device.records.read(id)).toEqual(second);
    }

    // While the server holds the older version, an edit is not taken as a conflict with it: it waits.
    await phone.records.save(id, third);
    await phone.sync.now();
    expect(phone.sync.status).toMatchObject({ rolledBack: 1, pending: 1 });
    expect((await serverRow(id)).version).toBe(1);

    // The operator restores the real version 2: the edit goes out as version 3, both devices converge, the warning goes.
    await tamper(id, { version: atTwo.version, v: atTwo.v, wrapped_dek: atTwo.wrapped_dek, ciphertext: atTwo.ciphertext });
    await phone.sync.now();
    await tablet.sync.now();
    for (const device of [phone, tablet]) {
      expect(await device.records.read(id)).toEqual(third);
      expect(device.sync.status).toMatchObject({ rolledBack: 0, pending: 0, failure: null });
    }
  });

  it('an older ciphertext under the current version number: refused by the device that holds that version, and by the AAD check on one that does not', async () => {
    const { id, row: atOne } = await saveAndSync(phone, null, first);
    await tablet.sync.now(); // the tablet holds version 1 only
    const { row: atTwo } = await saveAndSync(phone, id, second);

    await tamper(id, { version: atTwo.version, v: atOne.v, wrapped_dek: atOne.wrapped_dek, ciphertext: atOne.ciphertext });
    await phone.sync.now();
    expect(phone.sync.status.rolledBack).toBe(1);
    expect(await phone.records.read(id)).toEqual(second);

    await tablet.sync.now();
    expect(tablet.sync.status.rolledBack).toBe(1);
    expect(await tablet.records.read(id)).toEqual(first); // its own newest copy, not the server's lie
    expect((await tabletDevice.store.readRecord(id))?.serverVersion).toBe(1);
  });

  it('a copy pulled while locked is checked at the next unlock: the lie is dropped and the copy it replaced comes back', async () => {
    const { id, row: atOne } = await saveAndSync(phone, null, first);
    await tablet.sync.now();
    const { row: atTwo } = await saveAndSync(phone, id, second);
    await tamper(id, { version: atTwo.version, v: atOne.v, wrapped_dek: atOne.wrapped_dek, ciphertext: atOne.ciphertext });

    tablet.lock('button');
    await tablet.sync.now(); // locked: no key to check the binding with, so it is stored unverified
    expect((await tabletDevice.store.db.records.get(id))?.unverified).toBe(1);
    await tablet.unlockWithPin(PIN);
    await tablet.sync.now();
    expect(tablet.sync.status.rolledBack).toBe(1);
    expect(await tablet.records.read(id)).toEqual(first);
    expect((await tabletDevice.store.db.records.get(id))?.unverified).toBeUndefined();
  });

  it('an unbound (format 1) copy of a record already seen bound, and a deleted record brought back, are refused', async () => {
    const { id, row } = await saveAndSync(phone, null, first);
    await tablet.sync.now();
    await tamper(id, { version: row.version + 1, v: 1, wrapped_dek: row.wrapped_dek, ciphertext: row.ciphertext });
    await phone.sync.now();
    expect(phone.sync.status.rolledBack).toBe(1);
    expect(await phone.records.read(id)).toEqual(first);

    const gone = await saveAndSync(tablet, null, second);
    await tablet.records.remove(gone.id);
    await tablet.sync.now(); // version 2: a tombstone, and the tablet forgets the row
    expect(await tabletDevice.store.db.records.get(gone.id)).toBeUndefined();
    await tamper(gone.id, { version: gone.row.version, v: gone.row.v, wrapped_dek: gone.row.wrapped_dek, ciphertext: gone.row.ciphertext });
    await tablet.sync.now();
    expect(tablet.sync.status.rolledBack).toBe(2); // this one, and the unbound copy above, which the tablet had seen bound too
    expect((await tablet.records.list()).map((r) => r.id)).not.toContain(gone.id);
  });

  it('legitimate concurrent edits and deletions from two devices still converge, with no warning', async () => {
    const { id } = await saveAndSync(phone, null, first);
    const other = await saveAndSync(phone, null, { kind: 'note', title: 'Bike lock', body: '0000' });
    await tablet.sync.now();
    await phone.records.save(id, second);
    await tablet.records.save(id, third);
    await tablet.records.remove(other.id);
    await phone.sync.now();
    await tablet.sync.now(); // loses on `id`: its edit becomes a conflict copy
    await phone.sync.now();
    const titles = async (device: Vault) => (await device.records.list()).map((r) => `${r.title}${r.conflictOf ? ' (copy)' : ''}`).sort();
    expect(await titles(phone)).toEqual(['Door code', 'Door code (copy)']);
    expect(await titles(tablet)).toEqual(await titles(phone));
    for (const device of [phone, tablet]) {
      expect(await device.records.read(id)).toEqual(second);
      expect(device.sync.status).toMatchObject({ rolledBack: 0, pending: 0, waitingForUnlock: 0, failure: null });
    }
  });

  it('a key bundle rolled back to an older version is refused before anything is rotated from it', async () => {
    const bundle = () => db().selectFrom('secret_blobs').selectAll().where('kind', '=', 'key_bundle').executeTakeFirstOrThrow();
    const first = await bundle();
    await phone.account.lockEverywhere(PIN);
    const rotated = await bundle();
    expect(rotated.version).toBe(first.version + 1);

    await db().updateTable('secret_blobs').set({ version: first.version, blob: first.blob }).where('kind', '=', 'key_bundle').execute();
    await expect(failureOf(phone.account.lockEverywhere(PIN))).resolves.toMatchObject({ code: 'rolled_back' });
    expect(await bundle()).toMatchObject({ version: first.version, blob: first.blob }); // nothing was written
    expect(await world.store.readVault()).toMatchObject({ keyBundleVersion: rotated.version, record: { keyBundle: rotated.blob } });

    // The newer bundle under an older number does not open either: a new device cannot recover into it.
    await db().updateTable('secret_blobs').set({ version: first.version, blob: rotated.blob }).where('kind', '=', 'key_bundle').execute();
    const fresh = world.otherDevice('Borrowed phone').vault();
    await fresh.start();
    await expect(failureOf(fresh.recovery.withPin('alice', PIN))).resolves.toMatchObject({ code: 'decrypt_failed' });
  });
});

