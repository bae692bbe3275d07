import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vault } from '../vault';
import { RECORD_FORMAT_VERSION } from '../../../protocol/constants';
import { RECORDS_CHANGED, type LoginContent, type NoteContent } from '../state';
import { PIN, dumpIndexedDb, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

const mail: LoginContent = {
  kind: 'login',
  title: 'Zephyrmail account',
  username: 'alice.quartermaine',
  password: 'Tr0ub4dor&3-horse-battery',
  url: 'https://mail.zephyr.example/login',
  notes: 'recovery phrase lives in the blue notebook',
};
const bank: LoginContent = {
  kind: 'login',
  title: 'Gringotts online banking',
  username: '',
  password: 'vault-713-goblin!',
  url: 'online.gringotts.example',
  notes: '',
};
const wifi: NoteContent = { kind: 'note', title: 'Attic wifi', body: 'ssid Skywalker, passphrase correct-horse-staple' };

describe('Vault: records', () => {
  let world: VaultWorld;
  let controller: Vault;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    world = await startVaultWorld();
    controller = await onboard(world);
    await controller.sync.now();
    // Offline: these tests are about the device's own store (sync has its own tests).
    world.network.offline = true;
    for (const [name, content] of Object.entries({ mail, bank, wifi })) {
      world.clock.advance(1000);
      ids[name] = await controller.records.save(null, content);
    }
  });
  afterAll(() => world.close());

  it('lists decrypted summaries, newest first, marked unsynced', async () => {
    expect(await controller.records.list()).toEqual([
      { id: ids.wifi, kind: 'note', title: 'Attic wifi', subtitle: '', updatedAt: world.clock.now, synced: false, conflictOf: null },
      { id: ids.bank, kind: 'login', title: 'Gringotts online banking', subtitle: 'online.gringotts.example', updatedAt: world.clock.now - 1000, synced: false, conflictOf: null },
      { id: ids.mail, kind: 'login', title: 'Zephyrmail account', subtitle: 'alice.quartermaine', updatedAt: world.clock.now - 2000, synced: false, conflictOf: null },
    ]);
  });

  it('reads a record back exactly', async () => {
    await expect(controller.records.read(ids.mail!)).resolves.toEqual(mail);
    await expect(controller.records.read(ids.wifi!)).resolves.toEqual(wifi);
  });

  it('searches title, username, URL and notes in any case, but never the password', async () => {
    const titles = async (query: string) => (await controller.records.list(query)).map((r) => r.title);
    expect(await titles('ZEPHYR')).toEqual(['Zephyrmail account']);
    expect(await titles('quartermaine')).toEqual(['Zephyrmail account']);
    expect(await titles('gringotts.example')).toEqual(['Gringotts online banking']);
    expect(await titles('blue notebook')).toEqual(['Zephyrmail account']);
    expect(await titles('skywalker')).toEqual(['Attic wifi']);
    expect(await titles('goblin')).toEqual([]);
    expect(await titles('  ')).toHaveLength(3);
  });

  it('updates a record under a new DEK and says the records changed', async () => {
    const before = await world.store.db.records.get(ids.bank!);
    let changed = 0;
    controller.addEventListener(RECORDS_CHANGED, () => changed++);
    world.clock.advance(1000);
    await controller.records.save(ids.bank!, { ...bank, username: 'a.q' });
    const after = await world.store.db.records.get(ids.bank!);
    expect(changed).toBe(1);
    expect(after).toMatchObject({ synced: 0, deleted: 0, updatedAt: world.clock.now });
    expect((after as { wrappedDek: string }).wrappedDek).not.toBe((before as { wrappedDek: string }).wrappedDek);
    expect((await controller.records.list())[0]).toMatchObject({ id: ids.bank, subtitle: 'a.q' });
    await expect(controller.records.read(ids.bank!)).resolves.toEqual({ ...bank, username: 'a.q' });
  });

  it('refuses records that break the limits, and ids that do not exist', async () => {
    const note = (title: string, body = ''): NoteContent => ({ kind: 'note', title, body });
    await expect(failureOf(controller.records.save(null, note('   ')))).resolves.toMatchObject({ code: 'record_invalid' });
    await expect(failureOf(controller.records.save(null, note('x'.repeat(201))))).resolves.toMatchObject({ code: 'record_invalid' });
    await expect(failureOf(controller.records.save(null, note('ok', 'x'.repeat(10_001))))).resolves.toMatchObject({ code: 'record_invalid' });
    await expect(failureOf(controller.records.save(null, { kind: 'secret', title: 't' } as never))).resolves.toMatchObject({ code: 'record_invalid' });
    await expect(controller.records.save(null, note('x'.repeat(200), 'x'.repeat(10_000)))).resolves.toEqual(expect.any(String));
    await expect(failureOf(controller.records.save('no-such-id', note('t')))).resolves.toMatchObject({ code: 'not_found' });
    await expect(failureOf(controller.records.read('no-such-id'))).resolves.toMatchObject({ code: 'not_found' });
    await expect(failureOf(controller.records.remove('no-such-id'))).resolves.toMatchObject({ code: 'not_found' });
  });

  it('deletes with a tombstone that keeps no ciphertext', async () => {
    const id = await controller.records.save(null, { kind: 'note', title: 'Short-lived', body: 'gone soon' });
    await controller.records.remove(id);
    expect(await world.store.db.records.get(id)).toEqual({ id, v: RECORD_FORMAT_VERSION, updatedAt: expect.any(Number), synced: 0, deleted: 1, serverVersion: 0, ownVersion: 0 });
    expect((await controller.records.list()).map((r) => r.id)).not.toContain(id);
    await expect(failureOf(controller.records.read(id))).resolves.toMatchObject({ code: 'not_found' });
    await expect(failureOf(controller.records.remove(id))).resolves.toMatchObject({ code: 'not_found' });
  });

  it('refuses a record moved into another record’s row (AAD binds the id)', async () => {
    const a = await world.store.db.records.get(ids.mail!);
    const swappedId = await controller.records.save(null, { kind: 'note', title: 'Victim', body: '' });
    await world.store.db.records.put({ ...a!, id: swappedId });
    await expect(failureOf(controller.records.read(swappedId))).resolves.toMatchObject({ code: 'not_found' });
    // The list leaves it out instead of failing as a whole.
    expect((await controller.records.list()).map((r) => r.id)).not.toContain(swappedId);
    await controller.records.remove(swappedId);
  });

  it('keeps only ciphertext in IndexedDB: no title, username, password, URL, note or PIN', async () => {
    const dump = await dumpIndexedDb(world.store);
    const plaintexts = [
      ...Object.values(mail),
      ...Object.values(bank),
      ...Object.values(wifi),
      'a.q',
      'Short-lived',
      'gone soon',
      'zephyr',
      'gringotts',
      PIN,
    ].filter((value) => value.length > 3 && value !== 'login' && value !== 'note');
    for (const plaintext of plaintexts) expect(dump, plaintext).not.toContain(plaintext);
    expect(dump).not.toMatch(/"kind":"(login|note)"/);
    // What is in clear is public: the username and ids the lock screen needs.
    expect(dump).toContain('"username":"alice"');
  });

  it('the records open again after a lock and a PIN unlock', async () => {
    controller.lock('button');
    await controller.unlockWithPin(PIN);
    await expect(controller.records.read(ids.mail!)).resolves.toEqual(mail);
  });
});
