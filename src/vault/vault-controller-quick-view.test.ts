import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { QuickViewRow } from './local-store';
import type { VaultController } from './vault-controller';
import { QUICK_VIEW_CHANGED, type LoginContent, type NoteContent } from './vault-state';
import { PIN, failureOf, onboard, startVaultWorld, type VaultWorld } from './vault-test-kit';

const mail: LoginContent = {
  kind: 'login',
  title: 'Zephyrmail account',
  username: 'alice.quartermaine',
  password: 'Tr0ub4dor&3-horse-battery',
  url: 'https://mail.zephyr.example/login',
  notes: 'recovery phrase lives in the blue notebook',
};
const wifi: NoteContent = { kind: 'note', title: 'Attic wifi', body: 'ssid Skywalker, passphrase correct-horse-staple' };
const bank: NoteContent = { kind: 'note', title: 'Gringotts vault number', body: 'vault 713, ask for Griphook' };

/** The copies' bytes as text, both as UTF-8 and as Latin-1, and the meta rows as JSON. */
async function quickStorageText(world: VaultWorld): Promise<string> {
  const rows = await world.store.db.quick.toArray();
  const text = (bytes: ArrayBuffer | Uint8Array) => {
    const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    return new TextDecoder('utf-8').decode(view) + new TextDecoder('latin1').decode(view);
  };
  const meta = await world.store.db.meta.toArray();
  return rows.map((row) => text(row.ciphertext) + text(row.iv)).join('\n') + JSON.stringify(meta);
}

describe('VaultController: items shown on this device without PIN', () => {
  let world: VaultWorld;
  let phone: VaultController;

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    await phone.syncNow();
  });
  // Background syncs (started by each edit) end before the database closes under them.
  afterEach(async () => {
    await phone.syncNow();
    await world.close();
  });

  it('is off by default: nothing marked, no copies, no device key', async () => {
    const id = await phone.saveRecord(null, mail);
    await expect(phone.isShownWithoutPin(id)).resolves.toBe(false);
    await expect(phone.shownWithoutPinCount()).resolves.toBe(0);
    phone.lock('button');
    await expect(phone.quickViewItems()).resolves.toEqual([]);
    expect(await world.store.db.quick.count()).toBe(0);
    expect(await world.store.db.meta.get('quick-key')).toBeUndefined();
  });

  it('opens a marked item while locked, and after a reload, with no PIN, passkey or network', async () => {
    const id = await phone.saveRecord(null, mail);
    await phone.saveRecord(null, wifi);
    world.clock.advance(1000);
    await phone.setShownWithoutPin(id, true);
    await expect(phone.isShownWithoutPin(id)).resolves.toBe(true);
    phone.lock('button');

    const expected = [{ id, kind: 'login', title: mail.title, subtitle: mail.username, content: mail, asOf: world.clock.now, outdated: false }];
    await expect(phone.quickViewItems()).resolves.toEqual(expected);
    expect(phone.state.kind).toBe('locked');

    // A page load: a new controller on the same database, offline, with Argon2 and passkeys watched.
    world.network.offline = true;
    const requests = world.network.requests.length;
    const argon2 = vi.fn();
    const ceremonies = world.ceremonies.saltsWereBytes.length;
    const reloaded = world.controller(world.reopenStore(), { argon2 });
    await reloaded.start();
    await expect(reloaded.quickViewItems()).resolves.toEqual(expected);
    expect(reloaded.state.kind).toBe('locked');
    expect(argon2).not.toHaveBeenCalled();
    expect(world.ceremonies.saltsWereBytes.length).toBe(ceremonies);
    expect(world.network.requests.length).toBe(requests);
  });

  it('can be changed only while unlocked, and only for records that exist', async () => {
    const id = await phone.saveRecord(null, mail);
    await expect(failureOf(phone.setShownWithoutPin('no-such-id', true))).resolves.toMatchObject({ code: 'not_found' });
    phone.lock('button');
    await expect(failureOf(phone.setShownWithoutPin(id, true))).resolves.toMatchObject({ code: 'locked' });
    await expect(failureOf(phone.setShownWithoutPin(id, false))).resolves.toMatchObject({ code: 'locked' });
    await expect(phone.quickViewItems()).resolves.toEqual([]);
  });

  it('re-seals the copy after an edit, under a fresh IV', async () => {
    const id = await phone.saveRecord(null, mail);
    await phone.setShownWithoutPin(id, true);
    const before = await world.store.db.quick.get(id);
    let changes = 0;
    phone.addEventListener(QUICK_VIEW_CHANGED, () => changes++);
    world.clock.advance(60_000);
    await phone.saveRecord(id, { ...mail, password: 'rotated-after-the-breach' });
    const after = await world.store.db.quick.get(id);
    expect(after!.iv).not.toEqual(before!.iv);
    expect(changes).toBe(1);
    phone.lock('idle');
    await expect(phone.quickViewItems()).resolves.toMatchObject([{ id, content: { password: 'rotated-after-the-breach' }, asOf: world.clock.now, outdated: false }]);
  });

  it('removes the copy when the record is deleted, and when it is unmarked', async () => {
    const gone = await phone.saveRecord(null, mail);
    const kept = await phone.saveRecord(null, wifi);
    await phone.setShownWithoutPin(gone, true);
    await phone.setShownWithoutPin(kept, true);
    await phone.deleteRecord(gone);
    expect(await world.store.db.quick.get(gone)).toBeUndefined();
    await expect(phone.isShownWithoutPin(gone)).resolves.toBe(false);
    await expect(phone.shownWithoutPinCount()).resolves.toBe(1);

    await phone.setShownWithoutPin(kept, false);
    expect(await world.store.db.quick.count()).toBe(0);
    phone.lock('button');
    await expect(phone.quickViewItems()).resolves.toEqual([]);
  });

  it('keeps no plaintext in the quick table or the meta rows', async () => {
    for (const content of [mail, wifi]) await phone.setShownWithoutPin(await phone.saveRecord(null, content), true);
    expect(await world.store.db.quick.count()).toBe(2);
    const text = await quickStorageText(world);
    const secrets = [...Object.values(mail), ...Object.values(wifi)].filter((v) => v.length > 4);
    for (const secret of [...secrets, 'zephyr', 'Skywalker', '"kind"', PIN]) expect(text, secret).not.toContain(secret);
  });

  it('does not open a copy moved to another record’s id; the other copies still show', async () => {
    const a = await phone.saveRecord(null, mail);
    const b = await phone.saveRecord(null, bank);
    await phone.setShownWithoutPin(a, true);
    await phone.setShownWithoutPin(b, true);
    phone.lock('button');
    const moved: QuickViewRow = { ...(await world.store.db.quick.get(a))!, id: b };
    await world.store.db.quick.put(moved);
    const items = await phone.quickViewItems();
    expect(items.map((item) => item.id)).toEqual([a]);
    expect(JSON.stringify(items)).not.toContain('Griphook');
  });

  it('"Hide all" deletes every copy and forgets the device key; a later mark makes a new one', async () => {
    const id = await phone.saveRecord(null, mail);
    await phone.setShownWithoutPin(id, true);
    const oldKey = (await world.store.db.meta.get('quick-key'))!.value;
    expect(oldKey).toBeInstanceOf(CryptoKey);
    expect((oldKey as CryptoKey).extractable).toBe(false);
    const oldCopy = (await world.store.db.quick.get(id))!;

    await phone.hideAllShownWithoutPin();
    expect(await world.store.db.quick.count()).toBe(0);
    expect(await world.store.db.meta.get('quick-key')).toBeUndefined();
    expect(await world.store.db.meta.get('quick-marked')).toBeUndefined();
    await expect(phone.shownWithoutPinCount()).resolves.toBe(0);

    await phone.setShownWithoutPin(id, true);
    // A copy made under the forgotten key does not open under the new one.
    await world.store.db.quick.put(oldCopy);
    phone.lock('button');
    await expect(phone.quickViewItems()).resolves.toEqual([]);
    // The next unlock notices the copy that does not open and makes it again.
    await phone.unlockWithPin(PIN);
    await expect(phone.quickViewItems()).resolves.toMatchObject([{ id, content: mail }]);
  });

  it('"Hide all" works on the lock screen too: it only removes', async () => {
    await phone.setShownWithoutPin(await phone.saveRecord(null, mail), true);
    phone.lock('button');
    await phone.hideAllShownWithoutPin();
    await expect(phone.quickViewItems()).resolves.toEqual([]);
  });
});

describe('VaultController: items shown without PIN, with a second device', () => {
  let world: VaultWorld;
  let phone: VaultController;
  let tablet: VaultController;
  let id: string;

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    id = await phone.saveRecord(null, mail);
    await phone.syncNow();
    tablet = world.otherDevice().controller();
    await tablet.start();
    await tablet.recoverWithPin('alice', PIN);
    await tablet.syncNow();
    world.clock.advance(1000);
    await phone.setShownWithoutPin(id, true);
  });
  afterEach(async () => {
    await Promise.all([phone.syncNow(), tablet.syncNow()]);
    await world.close();
  });

  it('is a per-device choice: the other device shows nothing without its PIN', async () => {
    await expect(tablet.isShownWithoutPin(id)).resolves.toBe(false);
    tablet.lock('button');
    await expect(tablet.quickViewItems()).resolves.toEqual([]);
  });

  it('a change pulled while locked shows as outdated, and the next unlock re-seals the copy', async () => {
    const markedAt = world.clock.now;
    phone.lock('button');
    world.clock.advance(60_000);
    await tablet.saveRecord(id, { ...mail, password: 'changed-on-the-tablet' });
    await tablet.syncNow();

    await phone.syncNow();
    await expect(phone.quickViewItems()).resolves.toMatchObject([{ id, content: { password: mail.password }, asOf: markedAt, outdated: true }]);

    world.clock.advance(60_000);
    await phone.unlockWithPin(PIN);
    phone.lock('button');
    await expect(phone.quickViewItems()).resolves.toMatchObject([
      { id, content: { password: 'changed-on-the-tablet' }, asOf: world.clock.now, outdated: false },
    ]);
  });

  it('a change pulled while unlocked re-seals the copy at once', async () => {
    await tablet.saveRecord(id, { ...mail, notes: 'edited elsewhere' });
    await tablet.syncNow();
    await phone.syncNow();
    await expect(phone.quickViewItems()).resolves.toMatchObject([{ id, content: { notes: 'edited elsewhere' }, outdated: false }]);
  });

  it('a deletion pulled while locked removes the copy right away', async () => {
    phone.lock('button');
    await tablet.deleteRecord(id);
    await tablet.syncNow();
    await phone.syncNow();
    await expect(phone.quickViewItems()).resolves.toEqual([]);
    expect(await world.store.db.quick.count()).toBe(0);
    await expect(phone.shownWithoutPinCount()).resolves.toBe(0);
  });
});
