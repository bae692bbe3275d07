import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECORDS_MAX_PER_USER } from '../../../protocol/constants';
import type { Vault } from '../vault';
import type { LoginContent } from '../state';
import type { ImportPreview } from './vault-transfer';
import { OTHER_PIN, PIN, dumpServerDb, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

const utf8 = new TextEncoder();

const mail: LoginContent = { kind: 'login', title: 'Zephyrmail', username: 'alice', password: 'Tr0ub4dor&3-horse', url: 'https://mail.zephyr.example/login', notes: '' };

/** A Bitwarden unencrypted JSON export: two logins (one already in the vault, by another URL path), a note, a card, the note again. */
function bitwardenJson(): { name: string; bytes: Uint8Array } {
  const login = (name: string, username: string, password: string, uri: string) => ({
    type: 1,
    name,
    notes: null,
    login: { username, password, uris: [{ match: null, uri }] },
  });
  const items = [
    login('Zephyrmail', 'Alice', 'another-password', 'https://mail.zephyr.example/'),
    login('Lantern bank', 'alice.l', 'gr8-lantern-Pass', 'https://bank.lantern.example'),
    { type: 2, name: 'Attic wifi', notes: 'ssid Skywalker', secureNote: { type: 0 } },
    { type: 3, name: 'Visa', notes: null, card: { cardholderName: 'Alice', brand: 'Visa', number: '4111111111111111', expMonth: '1', expYear: '2031', code: '123' } },
    { type: 2, name: 'attic wifi ', notes: 'ssid Skywalker', secureNote: { type: 0 } },
  ];
  return { name: 'bitwarden_export.json', bytes: utf8.encode(JSON.stringify({ encrypted: false, folders: [], items })) };
}

/** The titles in the vault, sorted. */
async function titles(vault: Vault): Promise<string[]> {
  return (await vault.records.list()).map((r) => r.title).sort();
}

async function recordRows(world: VaultWorld): Promise<string> {
  return JSON.stringify(await world.store.db.records.toArray());
}

describe('Vault: import', () => {
  let world: VaultWorld;
  let vault: Vault;

  beforeEach(async () => {
    world = await startVaultWorld();
    vault = await onboard(world);
    await vault.records.save(null, mail);
    await vault.account.pinRecoverySettled();
    await vault.sync.now(); // settled: nothing in the background changes the rows a test compares
  });
  afterEach(() => world.close());

  it('a preview says what the file holds, flags duplicates in the vault and in the file, and writes nothing', async () => {
    const before = await recordRows(world);
    const preview = await vault.transfer.preview(bitwardenJson());
    expect(preview).toMatchObject({ format: 'bitwarden-json', formatLabel: 'Bitwarden (JSON)', total: 5, logins: 2, notes: 3, converted: 1, duplicates: 2 });
    expect(preview.items.map((item) => [item.title, item.kind, item.subtitle, item.duplicate])).toEqual([
      ['Zephyrmail', 'login', 'Alice', true],
      ['Lantern bank', 'login', 'alice.l', false],
      ['Attic wifi', 'note', '', false],
      ['Visa', 'note', '', false],
      ['attic wifi', 'note', '', true],
    ]);
    expect(JSON.stringify(preview)).not.toContain('gr8-lantern-Pass');
    expect(await recordRows(world)).toBe(before);
  });

  it('confirm writes every item at once as unsynced records, and sync brings them to a second device', async () => {
    const preview = await vault.transfer.preview(bitwardenJson());
    // Offline while the rows are counted: the sync an edit starts in the background would
    // otherwise race the count (in a warm process it had sent some of the five in one try in five).
    world.network.offline = true;
    await expect(vault.transfer.confirm(preview, { skipDuplicates: false })).resolves.toEqual({ imported: 5, skipped: 0 });
    expect(await titles(vault)).toEqual(['Attic wifi', 'attic wifi', 'Lantern bank', 'Visa', 'Zephyrmail', 'Zephyrmail'].sort());
    expect((await vault.records.list()).filter((r) => !r.synced)).toHaveLength(5);
    world.network.offline = false;
    await vault.sync.now();
    expect((await vault.records.list()).filter((r) => !r.synced)).toHaveLength(0);
    expect(JSON.stringify(await dumpServerDb(world.server))).not.toContain('gr8-lantern-Pass');

    const tablet = world.otherDevice().vault();
    await tablet.start();
    await tablet.recovery.withPin('alice', PIN);
    await tablet.sync.now();
    expect(await titles(tablet)).toEqual(await titles(vault));
    const lantern = (await tablet.records.list()).find((r) => r.title === 'Lantern bank')!;
    await expect(tablet.records.read(lantern.id)).resolves.toMatchObject({ username: 'alice.l', password: 'gr8-lantern-Pass', url: 'https://bank.lantern.example' });
  });

  it('a preview imports once, even when confirmed twice at the same moment', async () => {
    const preview = await vault.transfer.preview(bitwardenJson());
    const [first, second] = await Promise.all([failureOf(vault.transfer.confirm(preview, { skipDuplicates: true })), failureOf(vault.transfer.confirm(preview, { skipDuplicates: true }))]);
    expect([first, second]).toEqual(['resolved', { code: 'import_stale', retryAt: undefined }]);
    await expect(failureOf(vault.transfer.confirm(preview, { skipDuplicates: true }))).resolves.toMatchObject({ code: 'import_stale' });
    expect(await titles(vault)).toEqual(['Attic wifi', 'Lantern bank', 'Visa', 'Zephyrmail']);
  });

  it('skipping duplicates leaves the flagged items out', async () => {
    const preview = await vault.transfer.preview(bitwardenJson());
    await expect(vault.transfer.confirm(preview, { skipDuplicates: true })).resolves.toEqual({ imported: 3, skipped: 2 });
    expect(await titles(vault)).toEqual(['Attic wifi', 'Lantern bank', 'Visa', 'Zephyrmail']);
  });

  it('an import that would pass the account’s item limit writes nothing', async () => {
    const preview = await vault.transfer.preview(bitwardenJson());
    // The vault fills up meanwhile (rows stand in for records synced from another device).
    const filler = Array.from({ length: RECORDS_MAX_PER_USER - 3 }, (_, i) => ({ id: `filler-${i}`, v: 1, updatedAt: 1, synced: 1 as const, deleted: 0 as const, serverVersion: 1 }));
    await world.store.db.records.bulkAdd(filler as never);
    const before = await world.store.db.records.count();
    await expect(failureOf(vault.transfer.confirm(preview, { skipDuplicates: true }))).resolves.toMatchObject({ code: 'record_quota' });
    expect(await world.store.db.records.count()).toBe(before);
  });

  it('a preview made before the vault locked, or by another vault, is refused and writes nothing', async () => {
    const preview = await vault.transfer.preview(bitwardenJson());
    vault.lock('button');
    await vault.unlockWithPin(PIN);
    await expect(failureOf(vault.transfer.confirm(preview, { skipDuplicates: true }))).resolves.toMatchObject({ code: 'import_stale' });
    const forged: ImportPreview = { ...preview };
    await expect(failureOf(vault.transfer.confirm(forged, { skipDuplicates: true }))).resolves.toMatchObject({ code: 'import_stale' });
    expect(await titles(vault)).toEqual(['Zephyrmail']);
  });

  it('a preview and an import need the vault open', async () => {
    vault.lock('button');
    await expect(failureOf(vault.transfer.preview(bitwardenJson()))).resolves.toMatchObject({ code: 'locked' });
  });

  it('a file it cannot read is refused with a code and changes nothing', async () => {
    const before = await recordRows(world);
    const notUtf8 = { name: 'export.csv', bytes: new Uint8Array([0x6e, 0x61, 0x6d, 0x65, 0x0a, 0xff, 0xfe, 0xc3]) };
    await expect(failureOf(vault.transfer.preview(notUtf8))).resolves.toMatchObject({ code: 'import_unreadable' });
    const encrypted = { name: 'bitwarden_encrypted_export.json', bytes: utf8.encode(JSON.stringify({ encrypted: true, passwordProtected: true, data: 'x' })) };
    await expect(failureOf(vault.transfer.preview(encrypted))).resolves.toMatchObject({ code: 'import_unsupported' });
    expect(await recordRows(world)).toBe(before);
  });
});

describe('Vault: export', () => {
  let world: VaultWorld;
  let vault: Vault;

  beforeEach(async () => {
    world = await startVaultWorld();
    vault = await onboard(world);
    await vault.records.save(null, mail);
    await vault.records.save(null, { kind: 'note', title: 'Formula', body: '=HYPERLINK("http://evil.example","x")' });
  });
  afterEach(() => world.close());

  it('an export needs the right PIN, and a wrong one counts as a lock-screen attempt', async () => {
    await expect(failureOf(vault.transfer.exportPlain(OTHER_PIN, 'json'))).resolves.toMatchObject({ code: 'wrong_pin' });
    await expect(failureOf(vault.transfer.exportBackup(OTHER_PIN, 'a long enough passphrase'))).resolves.toMatchObject({ code: 'wrong_pin' });
    await expect(world.store.readThrottle()).resolves.toEqual({ failures: 2, retryAt: null });
    const file = await vault.transfer.exportPlain(PIN, 'json');
    await expect(world.store.readThrottle()).resolves.toEqual({ failures: 0, retryAt: null });
    expect(file).toMatchObject({ name: 'keyhold-export-2030-01-01.json', type: 'application/json' });
  });

  it('a short backup passphrase is refused before the PIN is tried', async () => {
    await expect(failureOf(vault.transfer.exportBackup(OTHER_PIN, 'elevenchars'))).resolves.toMatchObject({ code: 'passphrase_weak' });
    await expect(world.store.readThrottle()).resolves.toEqual({ failures: 0, retryAt: null });
  });

  it('the plain JSON export holds every item as typed; the CSV export neutralises formula cells', async () => {
    const json = JSON.parse(await (await vault.transfer.exportPlain(PIN, 'json')).blob.text()) as unknown;
    expect(JSON.stringify(json)).toContain('Tr0ub4dor&3-horse');
    expect(JSON.stringify(json)).toContain('=HYPERLINK(\\"http://evil.example\\",\\"x\\")');
    const csv = await vault.transfer.exportPlain(PIN, 'csv');
    expect(csv).toMatchObject({ name: 'keyhold-export-2030-01-01.csv', type: 'text/csv' });
    const text = await csv.blob.text();
    expect(text.split(/\r?\n/)[0]).toBe('kind,title,username,password,url,notes,body');
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(text).not.toMatch(/(^|,)"?=HYPERLINK/m);
  });

  it('the plain JSON and CSV exports import back as the same items', async () => {
    const contents = async (v: Vault) => Promise.all((await v.records.list()).map((r) => v.records.read(r.id)));
    const ours = await contents(vault);
    for (const format of ['json', 'csv'] as const) {
      const file = await vault.transfer.exportPlain(PIN, format);
      const fresh = await startVaultWorld();
      try {
        const bob = await onboard(fresh, 'bob');
        const preview = await bob.transfer.preview({ name: file.name, bytes: utf8.encode(await file.blob.text()) });
        expect(preview).toMatchObject({ format: `keyhold-${format}`, total: 2, skipped: [] });
        await bob.transfer.confirm(preview, { skipDuplicates: true });
        expect(await contents(bob)).toEqual(expect.arrayContaining(ours));
      } finally {
        await fresh.close();
      }
    }
  });

  it('an encrypted backup needs its passphrase and brings every item into a fresh account', async () => {
    const file = await vault.transfer.exportBackup(PIN, 'correct horse battery staple');
    expect(file).toMatchObject({ name: 'keyhold-backup-2030-01-01.json', type: 'application/json' });
    const text = await file.blob.text();
    expect(text).not.toContain('Tr0ub4dor');
    expect(text).not.toContain('Zephyrmail');
    const backup = { name: file.name, bytes: utf8.encode(text) };

    const fresh = await startVaultWorld();
    try {
      const bob = await onboard(fresh, 'bob');
      await expect(failureOf(bob.transfer.preview(backup))).resolves.toMatchObject({ code: 'backup_passphrase_needed' });
      await expect(failureOf(bob.transfer.preview(backup, 'wrong horse battery staple'))).resolves.toMatchObject({ code: 'backup_passphrase_wrong' });
      const preview = await bob.transfer.preview(backup, 'correct horse battery staple');
      expect(preview).toMatchObject({ format: 'keyhold-backup', total: 2, logins: 1, notes: 1, duplicates: 0 });
      await bob.transfer.confirm(preview, { skipDuplicates: true });
      const zephyr = (await bob.records.list()).find((r) => r.title === 'Zephyrmail')!;
      await expect(bob.records.read(zephyr.id)).resolves.toEqual(mail);
    } finally {
      await fresh.close();
    }
  });
});
