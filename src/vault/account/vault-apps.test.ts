import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_APP_ID, FRESH_PASSKEY_SECONDS } from '../../../protocol/constants';
import { addNotesApp, NOTES_APP, NOTES_ORIGIN } from '../../../test/helpers/harness';
import { PIN, failureOf, onboard, startVaultWorld, type OtherDevice, type VaultWorld } from '../../../test/helpers/vault-world';
import type { NoteContent } from '../state';
import type { Vault } from '../vault';

/**
 * One account, two apps of the ecosystem (issue 17): Keyhold on the phone, and Field notes (its
 * own origin, `appId: 'fieldnotes'`) on a device that joined the account by PIN recovery. The
 * SDK's side of per-app scoping against the real key server.
 */
describe('Vault: apps of one account', () => {
  let world: VaultWorld;
  let phone: Vault;
  let notes: Vault;

  const trailhead: NoteContent = {
    kind: 'note',
    title: 'Trailhead',
    body: 'cairn by the footbridge',
    location: { latitude: 46.786, longitude: -121.735, accuracyMeters: 8 },
  };

  /** A Field notes device of the account: its own storage, cookies and origin. */
  async function joinFieldNotes(name: string): Promise<{ device: OtherDevice; vault: Vault }> {
    const device = world.otherDevice(name, { origin: NOTES_ORIGIN });
    const vault = device.vault({ appId: NOTES_APP.id });
    await vault.start();
    await vault.recovery.withPin('alice', PIN);
    return { device, vault };
  }

  beforeEach(async () => {
    world = await startVaultWorld();
    await addNotesApp(world.server);
    phone = await onboard(world);
    await phone.account.pinRecoverySettled();
    ({ vault: notes } = await joinFieldNotes('Field phone'));
  });
  afterEach(() => world.close());

  it('registers a Field notes device under its app: Keyhold lists it as Field notes, signed into the account log, and the activity says so', async () => {
    const listed = await phone.devices.list();
    expect(listed.map((d) => [d.name, d.app, d.current, d.inLog])).toEqual([
      ['Test phone', { id: DEFAULT_APP_ID, name: 'Keyhold' }, true, true],
      ['Field phone', { id: 'fieldnotes', name: 'Field notes' }, false, true],
    ]);
    // The account's devices are the account's, whichever app asks.
    expect((await notes.devices.list()).map((d) => [d.name, d.app.id, d.current])).toEqual([
      ['Test phone', DEFAULT_APP_ID, false],
      ['Field phone', 'fieldnotes', true],
    ]);
    await notes.sync.now();
    expect(notes.sync.status.failure).toBeNull();
    // The activity says which app registered it.
    const { events } = await phone.account.auditLog();
    expect(events.filter((e) => e.type === 'device.registered').map((e) => [e.data.name, e.app?.name])).toEqual([
      ['Field phone', 'Field notes'],
      ['Test phone', 'Keyhold'],
    ]);
  });

  it('keeps records per app: a note with its location syncs between Field notes devices and never reaches Keyhold', async () => {
    const id = await notes.records.save(null, trailhead);
    await notes.sync.now();
    const keyholdId = await phone.records.save(null, { kind: 'note', title: 'Locker code', body: '7712' });
    await phone.sync.now();
    expect(notes.sync.status.failure).toBeNull();
    expect(phone.sync.status.failure).toBeNull();

    const { vault: second } = await joinFieldNotes('Field tablet');
    await second.sync.now();
    expect(await second.records.read(id)).toEqual(trailhead);
    expect((await second.records.list()).map((r) => r.title)).toEqual(['Trailhead']);

    await phone.sync.now();
    expect((await phone.records.list()).map((r) => r.title)).toEqual(['Locker code']);
    await expect(failureOf(phone.records.read(id))).resolves.toMatchObject({ code: 'not_found' });
    await notes.sync.now();
    await expect(failureOf(notes.records.read(keyholdId))).resolves.toMatchObject({ code: 'not_found' });
  });

  it('refuses an app id that is not one (the pattern the key server registers apps under)', () => {
    for (const appId of ['Field notes', '', '-notes']) expect(() => world.vault(undefined, { appId })).toThrow(TypeError);
  });

  it("does not open a Field notes record the server hands to Keyhold: the app is bound into the record's AAD", async () => {
    const id = await notes.records.save(null, trailhead);
    await notes.sync.now();
    // A server that mixes the namespaces up (or anyone writing its database) moves the row into Keyhold's.
    const moved = await world.server.store.db.updateTable('records').set({ app_id: DEFAULT_APP_ID }).where('id', '=', id).executeTakeFirst();
    expect(moved.numUpdatedRows).toBe(1n);

    await phone.sync.now();
    expect(await phone.records.list()).toEqual([]);
    await expect(failureOf(phone.records.read(id))).resolves.toMatchObject({ code: 'not_found' });
  });

  it("stops Field notes' sync when Keyhold removes its device, and its notes still open by PIN", async () => {
    const id = await notes.records.save(null, trailhead);
    await notes.sync.now();
    const notesId = (await phone.devices.list()).find((d) => d.app.id === 'fieldnotes')!.id;

    world.server.clock.now += FRESH_PASSKEY_SECONDS * 1000 + 1; // the onboarding sign-in is no longer fresh: one passkey prompt
    await phone.devices.remove(notesId);
    expect((await phone.devices.list()).find((d) => d.id === notesId)).toMatchObject({ app: { id: 'fieldnotes' }, revokedAt: world.server.clock.now });

    await notes.records.save(null, { kind: 'note', title: 'Written after removal', body: 'stays here' });
    await notes.sync.now();
    expect(notes.sync.status).toMatchObject({ phase: 'error', failure: 'device_revoked', pending: 1 });
    notes.lock('button');
    await notes.unlockWithPin(PIN);
    expect(await notes.records.read(id)).toEqual(trailhead);
  });
});
