import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../protocol/base64url';
import { addPasskey, createAccount, deviceSignIn, readAuditLog, registerDevice, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, startTestServer, type ApiReply, type TestServer } from '../../test/helpers/harness';
import { verifyChain } from '../store/audit-chain';
import { writeRecord } from '../domain/records';
import { appendAuditEvent, eachAuditChain } from '../store/audit';
import { inTransaction } from '../store/store';
import { EXPORT_PAGE_ROWS } from './account-export';

const ciphertext = (bytes = 256): string => encodeBase64Url(new Uint8Array(randomBytes(bytes)));

// rate_limits has no user column: its counters are keyed by name, live one minute, and are purged.
/** Tables whose rows belong to a user through `user_id` (`users` is keyed by `id`), with a column that orders them. */
const USER_TABLES = { credentials: 'id', devices: 'id', challenges: 'challenge', sessions: 'id_hash', secret_blobs: 'ref', records: 'seq', record_counters: 'user_id', audit_log: 'seq' } as const;

describe.each(DIALECTS)('account (%s)', (dialect) => {
  let server: TestServer;
  let n = 0;
  const newUser = (): Promise<TestUser> => createAccount(server, `acct-user-${++n}`);

  /** Every stored row of the user, table by table, read straight from the database. */
  async function rowsOf(userId: string): Promise<Record<string, unknown[]>> {
    const db = server.store.db;
    const rows: Record<string, unknown[]> = { users: await db.selectFrom('users').selectAll().where('id', '=', userId).execute() };
    for (const [table, order] of Object.entries(USER_TABLES) as Array<[keyof typeof USER_TABLES, string]>) {
      rows[table] = await db.selectFrom(table).selectAll().where('user_id', '=', userId).orderBy(order as never).execute();
    }
    return rows;
  }

  /** A user with something in every table: a second passkey, a device with a session, a pending challenge, the backup. */
  async function populatedUser() {
    const user = await newUser();
    const { reply: added } = await addPasskey(user, 'Backup key');
    expect(added.status).toBe(200);
    const device = await registerDevice(user, 'Laptop');
    const { client: deviceClient } = await deviceSignIn(server, device.deviceId, device.privateKey);
    expect((await new ApiClient(server).post('/api/devices/challenge', { deviceId: device.deviceId })).status).toBe(200);
    const keyBundle = ciphertext();
    const wrap = ciphertext(80);
    expect((await user.client.put('/api/backup/key-bundle', { blob: keyBundle, expectedVersion: 0 })).status).toBe(200);
    expect((await user.client.put(`/api/backup/wrap-prf/${user.credentialId}`, { blob: wrap, expectedVersion: 0 })).status).toBe(200);
    const record = { id: encodeBase64Url(new Uint8Array(randomBytes(16))), v: 1, deleted: false, wrappedDek: ciphertext(60), ciphertext: ciphertext() };
    const { id: recordId, ...recordBody } = record;
    expect((await deviceClient.put(`/api/records/${recordId}`, { expectedVersion: 0, ...recordBody })).status).toBe(200);
    return { user, secondPasskey: added.body.passkey.id as string, device, deviceClient, keyBundle, wrap, record };
  }

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  describe('audit log', () => {
    it('lists the user\'s events newest first', async () => {
      const user = await newUser();
      await registerDevice(user, 'One');
      const page = await user.client.get('/api/audit');
      expect(page.status).toBe(200);
      expect(page.body.events.map((e: { type: string }) => e.type)).toEqual(['device.registered', 'passkey.added', 'account.created']);
      expect(page.body.events.map((e: { seq: number }) => e.seq)).toEqual([3, 2, 1]);
      expect(page.body.nextBefore).toBeNull();
    });

    it.each([1, 3, 4, 6, 7])('returns every event exactly once when paging %i at a time', async (limit) => {
      const user = await newUser();
      for (const name of ['A', 'B', 'C', 'D']) await registerDevice(user, name);
      const all = (await user.client.get('/api/audit?limit=200')).body.events as Array<{ seq: number; hash: string }>;
      expect(all).toHaveLength(6);

      const paged: Array<{ seq: number; hash: string }> = [];
      let before: number | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const reply: ApiReply = await user.client.get(`/api/audit?limit=${limit}${before === null ? '' : `&before=${before}`}`);
        expect(reply.status).toBe(200);
        expect(reply.body.events.length).toBeLessThanOrEqual(limit);
        expect(reply.body.events.length).toBeGreaterThan(0); // no empty last page when the log fills the pages exactly
        paged.push(...reply.body.events);
        before = reply.body.nextBefore;
        if (before === null) break;
      }
      expect(before).toBeNull();
      expect(paged).toEqual(all);
    });

    it('shows a user none of another user\'s events', async () => {
      const user = await newUser();
      const other = await newUser();
      await registerDevice(other, 'Theirs');
      const mine = await readAuditLog(user.client);
      expect(mine.map((e) => e.type)).toEqual(['account.created', 'passkey.added']);
      expect(JSON.stringify(mine)).not.toContain('Theirs');
    });

    it.each(['limit=0', 'limit=abc', 'limit=201', 'limit=2.5', 'before=0', 'before=-3', 'before=x'])('refuses the query %s', async (query) => {
      const user = await newUser();
      const reply = await user.client.get(`/api/audit?${query}`);
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
    });

    it('needs a session', async () => {
      const reply = await new ApiClient(server).get('/api/audit');
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe('unauthenticated');
    });
  });

  describe('export', () => {
    it('holds the key bundle ciphertext, the wraps, records, devices, passkeys and every audit entry', async () => {
      const { user, secondPasskey, device, keyBundle, wrap, record } = await populatedUser();
      const reply = await user.client.get('/api/account/export');
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-disposition')).toBe('attachment; filename="keyhold-export.json"');
      const body = reply.body;
      expect(body).toMatchObject({ format: 'keyhold-export/v1', user: { id: user.userId, username: user.username } });
      expect(body.backup.keyBundle).toMatchObject({ blob: keyBundle, version: 1 });
      expect(body.backup.wrapPrf).toEqual([expect.objectContaining({ credentialId: user.credentialId, blob: wrap, version: 1 })]);
      expect(body.records).toEqual([{ app: 'keyhold', ...record, version: 1, seq: 1, updatedAt: server.clock.now }]);
      expect(body.devices).toEqual([expect.objectContaining({ id: device.deviceId, app: 'keyhold', name: 'Laptop', publicKey: expect.objectContaining({ kty: 'EC', crv: 'P-256' }) })]);
      expect(body.passkeys.map((p: { id: string }) => p.id).sort()).toEqual([user.credentialId, secondPasskey].sort());

      const stored = (await rowsOf(user.userId)).audit_log as Array<{ seq: number; hash: string; type: string }>;
      expect(stored.at(-1)!.type).toBe('account.exported');
      const exported = (body.audit as Array<{ seq: number; hash: string }>).map((e) => [e.seq, e.hash]).sort((a, b) => Number(a[0]) - Number(b[0]));
      expect(exported).toEqual(stored.map((e) => [e.seq, e.hash]));
    });

    /** `count` records written through the domain (one commit each, as the API would) and as many extra audit entries. */
    async function userWithManyRows(count: number) {
      const user = await newUser();
      const ids = Array.from({ length: count }, () => encodeBase64Url(new Uint8Array(randomBytes(16))));
      const write = () => ({ expectedVersion: 0, v: 1, deleted: false, wrappedDek: ciphertext(60), ciphertext: ciphertext(64) });
      await Promise.all(ids.map((id) => writeRecord(server.store, { userId: user.userId, appId: 'keyhold', id }, write(), server.config.records, server.clock.now)));
      await inTransaction(server.store, async (tx) => {
        for (let i = 0; i < count; i++) await appendAuditEvent(tx, user.userId, 'backup.key_bundle.changed', { version: i + 1 }, server.clock.now);
      });
      return { user, ids };
    }

    it('sends an account larger than several pages whole: every record once in change-feed order, every audit entry newest first', async () => {
      const count = 2 * EXPORT_PAGE_ROWS + 17;
      const { user, ids } = await userWithManyRows(count);
      const reply = await user.client.get('/api/account/export');
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
      const records = reply.body.records as Array<{ id: string; seq: number }>;
      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect(records.map((r) => r.id).sort()).toEqual([...ids].sort());
      const stored = (await rowsOf(user.userId)).audit_log as Array<{ seq: number; hash: string }>;
      expect(stored.length).toBeGreaterThan(2 * EXPORT_PAGE_ROWS);
      expect((reply.body.audit as Array<{ seq: number; hash: string }>).map((e) => [e.seq, e.hash])).toEqual(stored.map((e) => [e.seq, e.hash]).reverse());
    });

    it('reads a page only when the download asks for it: a record changed meanwhile comes again later with its new version', async () => {
      const { user, ids } = await userWithManyRows(EXPORT_PAGE_ROWS + 5);
      const res = await server.app.request('/api/account/export', { headers: { cookie: user.client.cookie! } });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const readChunk = async () => {
        const { value, done } = await reader.read();
        if (!done) text += decoder.decode(value, { stream: true });
        return !done;
      };
      await readChunk(); // everything but records and audit
      await readChunk(); // the first page of records
      const first = (JSON.parse(`${text}]}`) as { records: Array<{ id: string; seq: number }> }).records;
      expect(first).toHaveLength(EXPORT_PAGE_ROWS);

      // The first record's page has gone out; it changes before the download goes on.
      const changed = first[0]!.id;
      const newCiphertext = ciphertext(64);
      await writeRecord(server.store, { userId: user.userId, appId: 'keyhold', id: changed }, { expectedVersion: 1, v: 1, deleted: false, wrappedDek: ciphertext(60), ciphertext: newCiphertext }, server.config.records, server.clock.now);
      while (await readChunk());

      const body = JSON.parse(text) as { records: Array<{ id: string; version: number; ciphertext: string }> };
      expect(body.records.filter((r) => r.id === changed).map((r) => r.version)).toEqual([1, 2]);
      expect(body.records.at(-1)).toMatchObject({ id: changed, version: 2, ciphertext: newCiphertext });
      expect(new Set(body.records.map((r) => r.id))).toEqual(new Set(ids));
    });

    it('answers HEAD with the download\'s headers, no body and no audit entry', async () => {
      const user = await newUser();
      const before = (await rowsOf(user.userId)).audit_log!.length;
      const res = await server.app.request('/api/account/export', { method: 'HEAD', headers: { cookie: user.client.cookie! } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="keyhold-export.json"');
      expect(await res.text()).toBe('');
      expect((await rowsOf(user.userId)).audit_log).toHaveLength(before);
    });

    it('refuses a device session with forbidden_scope', async () => {
      const { deviceClient } = await populatedUser();
      const reply = await deviceClient.get('/api/account/export');
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe('forbidden_scope');
    });
  });

  describe('erasure', () => {
    it('removes every row of the user but one account.erased tombstone, and leaves other users alone', async () => {
      const other = await populatedUser();
      const { user } = await populatedUser();
      const otherBefore = await rowsOf(other.user.userId);
      const mineBefore = await rowsOf(user.userId);
      for (const [table, rows] of Object.entries(mineBefore)) expect({ table, stored: rows.length > 0 }).toEqual({ table, stored: true });
      const entriesBefore = mineBefore.audit_log.length;

      const reply = await user.client.delete('/api/account');
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ ok: true });

      const after = await rowsOf(user.userId);
      const { audit_log: audit, ...rest } = after;
      for (const [table, rows] of Object.entries(rest)) expect({ table, rows }).toEqual({ table, rows: [] });
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ type: 'account.erased', seq: entriesBefore + 1, data: JSON.stringify({ removedEntries: entriesBefore }) });
      expect(JSON.stringify(audit)).not.toContain(user.username);

      expect(await rowsOf(other.user.userId)).toEqual(otherBefore);
      expect((await other.user.client.get('/api/backup')).body.keyBundle).toMatchObject({ blob: other.keyBundle });
    });

    it('ends the user\'s sessions and frees the username', async () => {
      const { user, deviceClient } = await populatedUser();
      const stolenCookie = user.client.cookie;
      expect((await user.client.delete('/api/account')).status).toBe(200);
      expect(user.client.cookie).toBeUndefined();

      const replayed = new ApiClient(server);
      replayed.cookie = stolenCookie;
      for (const client of [replayed, deviceClient]) {
        const reply = await client.get('/api/session');
        expect(reply.status).toBe(401);
        expect(reply.body.error.code).toBe('unauthenticated');
      }

      const again = await createAccount(server, user.username);
      expect(again.userId).not.toBe(user.userId);
      expect((await again.client.get('/api/backup')).body).toEqual({ keyBundle: null, wrapPrf: [] });
      expect((await readAuditLog(again.client)).map((e) => e.type)).toEqual(['account.created', 'passkey.added']);
    });

    it('leaves a tombstone chain that still verifies', async () => {
      const { user } = await populatedUser();
      expect((await user.client.delete('/api/account')).status).toBe(200);
      let tombstones: unknown[] = [];
      for await (const { userId, rows } of eachAuditChain(server.store)) {
        if (userId !== user.userId) continue;
        tombstones = rows.map((r) => r.type);
        expect(verifyChain(rows)).toBeNull();
      }
      expect(tombstones).toEqual(['account.erased']);
    });

    it('asks the browser to clear the site\'s storage with the erasure, and only then', async () => {
      const { user, deviceClient } = await populatedUser();
      const refused = await deviceClient.delete('/api/account');
      expect(refused.status).toBe(403);
      expect(refused.headers.get('clear-site-data')).toBeNull();
      const erased = await user.client.delete('/api/account');
      expect(erased.status).toBe(200);
      expect(erased.headers.get('clear-site-data')).toBe('"storage"');
    });

    it('refuses a device session with forbidden_scope and erases nothing', async () => {
      const { user, deviceClient } = await populatedUser();
      const before = await rowsOf(user.userId);
      const reply = await deviceClient.delete('/api/account');
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe('forbidden_scope');
      const after = await rowsOf(user.userId);
      expect(after.users).toEqual(before.users);
      expect(after.secret_blobs).toEqual(before.secret_blobs);
      expect(after.audit_log).toHaveLength(before.audit_log.length);
    });
  });
});
