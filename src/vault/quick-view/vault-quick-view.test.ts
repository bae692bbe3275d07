import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { QuickViewRow } from '../platform/local-store';
import type { Vault } from '../vault';
import { QUICK_VIEW_CHANGED, type LoginContent, type NoteContent } from '../state';
import { PIN, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

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

describe('Vault: items shown on this device without PIN', () => {
  let world: VaultWorld;
  let phone: Vault;

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    await phone.sync.now();
  });
  // Background syncs (started by each edit) end before the database closes under them.
  afterEach(async () => {
    await phone.sync.now();
    await world.close();
  });

  it('is off by default: nothing marked, no copies, no device key', async () => {
    const id = await phone.records.save(null, mail);
    await expect(phone.quickView.isShown(id)).resolves.toBe(false);
    await expect(phone.quickView.count()).resolves.toBe(0);
    phone.lock('button');
    await expect(phone.quickView.items()).resolves.toEqual([]);
    expect(await world.store.db.quick.count()).toBe(0);
    expect(await world.store.db.meta.get('quick-key')).toBeUndefined();
  });

  it('opens a marked item while locked, and after a reload, with no PIN, passkey or network', async () => {
    const id = await phone.records.save(null, mail);
    await phone.records.save(null, wifi);
    world.clock.advance(1000);
    await phone.quickView.setShown(id, true);
    await expect(phone.quickView.isShown(id)).resolves.toBe(true);
    phone.lock('button');

    const expected = [{ id, kind: 'login', title: mail.title, subtitle: mail.username, content: mail, asOf: world.clock.now, outdated: false }];
    await expect(phone.quickView.items()).resolves.toEqual(expected);
    expect(phone.state.kind).toBe('locked');

    // A page load: a new controller on the same database, offline, with Argon2 and passkeys watched.
    world.network.offline = true;
    const requests = world.network.requests.length;
    const argon2 = vi.fn();
    const ceremonies = world.ceremonies.saltsWereBytes.length;
    const reloaded = world.vault(world.reopenStore(), { argon2 });
    await reloaded.start();
    await expect(reloaded.quickView.items()).resolves.toEqual(expected);
    expect(reloaded.state.kind).toBe('locked');
    expect(argon2).not.toHaveBeenCalled();
    expect(world.ceremonies.saltsWereBytes.length).toBe(ceremonies);
    expect(world.network.requests.length).toBe(requests);
  });

  it('can be changed only while unlocked, and only for records that exist', async () => {
    const id = await phone.records.save(null, mail);
    await expect(failureOf(phone.quickView.setShown('no-such-id', true))).resolves.toMatchObject({ code: 'not_found' });
    phone.lock('button');
    await expect(failureOf(phone.quickView.setShown(id, true))).resolves.toMatchObject({ code: 'locked' });
    await expect(failureOf(phone.quickView.setShown(id, false))).resolves.toMatchObject({ code: 'locked' });
    await expect(phone.quickView.items()).resolves.toEqual([]);
  });

  it('re-seals the copy after an edit, under a fresh IV', async () => {
    const id = await phone.records.save(null, mail);
    await phone.quickView.setShown(id, true);
    const before = await world.store.db.quick.get(id);
    let changes = 0;
    phone.addEventListener(QUICK_VIEW_CHANGED, () => changes++);
    world.clock.advance(60_000);
    await phone.records.save(id, { ...mail, password: 'rotated-after-the-breach' });
    const after = await world.store.db.quick.get(id);
    expect(after!.iv).not.toEqual(before!.iv);
    expect(changes).toBe(1);
    phone.lock('idle');
    await expect(phone.quickView.items()).resolves.toMatchObject([{ id, content: { password: 'rotated-after-the-breach' }, asOf: world.clock.now, outdated: false }]);
  });

  it('does not re-seal with the keys of a vault that locked meanwhile: the copy is shown as behind', async () => {
    const id = await phone.records.save(null, mail);
    await phone.quickView.setShown(id, true);
    const before = await world.store.db.quick.get(id);
    // The edit is stored with the session it started in; the lock comes before its copy is re-made.
    const saving = phone.records.save(id, { ...mail, password: 'typed-just-before-the-lock' });
    phone.lock('button');
    await saving.catch(() => {});
    expect(await world.store.db.quick.get(id)).toEqual(before);
    const [item] = await phone.quickView.items();
    expect(item?.content).toEqual(mail);
  });

  it('removes the copy when the record is deleted, and when it is unmarked', async () => {
    const gone = await phone.records.save(null, mail);
    const kept = await phone.records.save(null, wifi);
    await phone.quickView.setShown(gone, true);
    await phone.quickView.setShown(kept, true);
    await phone.records.remove(gone);
    expect(await world.store.db.quick.get(gone)).toBeUndefined();
    await expect(phone.quickView.isShown(gone)).resolves.toBe(false);
    await expect(phone.quickView.count()).resolves.toBe(1);

    await phone.quickView.setShown(kept, false);
    expect(await world.store.db.quick.count()).toBe(0);
    phone.lock('button');
    await expect(phone.quickView.items()).resolves.toEqual([]);
  });

  it('keeps no plaintext in the quick table or the meta rows', async () => {
    for (const content of [mail, wifi]) await phone.quickView.setShown(await phone.records.save(null, content), true);
    expect(await world.store.db.quick.count()).toBe(2);
    const text = await quickStorageText(world);
    const secrets = [...Object.values(mail), ...Object.values(wifi)].filter((v) => v.length > 4);
    for (const secret of [...secrets, 'zephyr', 'Skywalker', '"kind"', PIN]) expect(text, secret).not.toContain(secret);
  });

  it('does not open a copy moved to another record’s id; the other copies still show', async () => {
    const a = await phone.records.save(null, mail);
    const b = await phone.records.save(null, bank);
    await phone.quickView.setShown(a, true);
    await phone.quickView.setShown(b, true);
    // The saves' syncs end first: one ending after the move would re-make b's copy with the vault it saw open.
    await phone.sync.now();
    phone.lock('button');
    const moved: QuickViewRow = { ...(await world.store.db.quick.get(a))!, id: b };
    await world.store.db.quick.put(moved);
    const items = await phone.quickView.items();
    expect(items.map((item) => item.id)).toEqual([a]);
    expect(JSON.stringify(items)).not.toContain('Griphook');
  });

  it('"Hide all" deletes every copy and forgets the device key; a later mark makes a new one', async () => {
    const id = await phone.records.save(null, mail);
    await phone.quickView.setShown(id, true);
    const oldKey = (await world.store.db.meta.get('quick-key'))!.value;
    expect(oldKey).toBeInstanceOf(CryptoKey);
    expect((oldKey as CryptoKey).extractable).toBe(false);
    const oldCopy = (await world.store.db.quick.get(id))!;

    await phone.quickView.hideAll();
    expect(await world.store.db.quick.count()).toBe(0);
    expect(await world.store.db.meta.get('quick-key')).toBeUndefined();
    expect(await world.store.db.meta.get('quick-marked')).toBeUndefined();
    await expect(phone.quickView.count()).resolves.toBe(0);

    await phone.quickView.setShown(id, true);
    // A copy made under the forgotten key does not open under the new one.
    await world.store.db.quick.put(oldCopy);
    phone.lock('button');
    await expect(phone.quickView.items()).resolves.toEqual([]);
    // The next unlock notices the copy that does not open and makes it again.
    await phone.unlockWithPin(PIN);
    await expect(phone.quickView.items()).resolves.toMatchObject([{ id, content: mail }]);
  });

  it('"Hide all" works on the lock screen too: it only removes', async () => {
    await phone.quickView.setShown(await phone.records.save(null, mail), true);
    phone.lock('button');
    await phone.quickView.hideAll();
    await expect(phone.quickView.items()).resolves.toEqual([]);
  });
});

describe('Vault: items shown without PIN, with a second device', () => {
  let world: VaultWorld;
  let phone: Vault;
  let tablet: Vault;
  let id: string;

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    await phone.account.pinRecoverySettled(); // the tablet recovers with the PIN: it must be registered
    id = await phone.records.save(null, mail);
    await phone.sync.now();
    tablet = world.otherDevice().vault();
    await tablet.start();
    await tablet.recovery.withPin('alice', PIN);
    await tablet.sync.now();
    world.clock.advance(1000);
    await phone.quickView.setShown(id, true);
  });
  afterEach(async () => {
    await Promise.all([phone.sync.now(), tablet.sync.now()]);
    await world.close();
  });

  it('is a per-device choice: the other device shows nothing without its PIN', async () => {
    await expect(tablet.quickView.isShown(id)).resolves.toBe(false);
    tablet.lock('button');
    await expect(tablet.quickView.items()).resolves.toEqual([]);
  });

  it('a change pulled while locked shows as outdated, and the next unlock re-seals the copy', async () => {
    const markedAt = world.clock.now;
    phone.lock('button');
    world.clock.advance(60_000);
    await tablet.records.save(id, { ...mail, password: 'changed-on-the-tablet' });
    await tablet.sync.now();

    await phone.sync.now();
    await expect(phone.quickView.items()).resolves.toMatchObject([{ id, content: { password: mail.password }, asOf: markedAt, outdated: true }]);

    world.clock.advance(60_000);
    // The unlock re-seals in the background; a lock before it ends would leave the copy behind.
    const resealed = new Promise((resolve) => phone.addEventListener(QUICK_VIEW_CHANGED, resolve, { once: true }));
    await phone.unlockWithPin(PIN);
    await resealed;
    phone.lock('button');
    await expect(phone.quickView.items()).resolves.toMatchObject([
      { id, content: { password: 'changed-on-the-tablet' }, asOf: world.clock.now, outdated: false },
    ]);
  });

  it('a change pulled while unlocked re-seals the copy at once', async () => {
    await tablet.records.save(id, { ...mail, notes: 'edited elsewhere' });
    await tablet.sync.now();
    await phone.sync.now();
    await expect(phone.quickView.items()).resolves.toMatchObject([{ id, content: { notes: 'edited elsewhere' }, outdated: false }]);
  });

  it('a deletion pulled while locked removes the copy right away', async () => {
    phone.lock('button');
    await tablet.records.remove(id);
    await tablet.sync.now();
    await phone.sync.now();
    await expect(phone.quickView.items()).resolves.toEqual([]);
    expect(await world.store.db.quick.count()).toBe(0);
    await expect(phone.quickView.count()).resolves.toBe(0);
  });
});
