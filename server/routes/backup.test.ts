import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../protocol/base64url';
import { BODY_LIMIT_BYTES, KEY_BUNDLE_MAX_CHARS, WRAP_MAX_CHARS } from '../../protocol/constants';
import { addPasskey, createAccount, deviceSignIn, readAuditLog, registerDevice, signInWithPasskey, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';

/** An opaque ciphertext as the app uploads it: random bytes in base64url. */
const ciphertext = (bytes = 512): string => encodeBase64Url(new Uint8Array(randomBytes(bytes)));
/** A base64url string of exactly `chars` characters. */
const blobOfLength = (chars: number): string => 'A'.repeat(chars);

describe.each(DIALECTS)('backup (%s)', (dialect) => {
  let server: TestServer;
  let n = 0;
  const newUser = (): Promise<TestUser> => createAccount(server, `backup-user-${++n}`);
  const putBundle = (client: ApiClient, blob: string, expectedVersion: number) => client.put('/api/backup/key-bundle', { blob, expectedVersion });

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  describe('key bundle compare-and-set', () => {
    it('creates at version 1, then moves one version per write', async () => {
      const user = await newUser();
      const [first, second] = [ciphertext(), ciphertext()];
      expect(await putBundle(user.client, first, 0)).toMatchObject({ status: 200, body: { version: 1 } });
      expect((await user.client.get('/api/backup')).body.keyBundle).toEqual({ blob: first, version: 1, updatedAt: server.clock.now });
      expect(await putBundle(user.client, second, 1)).toMatchObject({ status: 200, body: { version: 2 } });
      expect((await user.client.get('/api/backup')).body.keyBundle).toMatchObject({ blob: second, version: 2 });
    });

    it('refuses a stale write with the current version and keeps the stored blob', async () => {
      const user = await newUser();
      const kept = ciphertext();
      await putBundle(user.client, ciphertext(), 0);
      await putBundle(user.client, kept, 1);
      const stale = await putBundle(user.client, ciphertext(), 1);
      expect(stale.status).toBe(409);
      expect(stale.body.error).toMatchObject({ code: 'stale_version', currentVersion: 2 });
      expect((await user.client.get('/api/backup')).body.keyBundle).toMatchObject({ blob: kept, version: 2 });
    });

    it('refuses a second create (expectedVersion 0) once a bundle exists', async () => {
      const user = await newUser();
      const kept = ciphertext();
      await putBundle(user.client, kept, 0);
      const again = await putBundle(user.client, ciphertext(), 0);
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'stale_version', currentVersion: 1 });
      expect((await user.client.get('/api/backup')).body.keyBundle).toMatchObject({ blob: kept, version: 1 });
    });

    it('refuses an update of a bundle that does not exist yet', async () => {
      const user = await newUser();
      const reply = await putBundle(user.client, ciphertext(), 3);
      expect(reply.status).toBe(409);
      expect(reply.body.error).toMatchObject({ code: 'stale_version', currentVersion: 0 });
      expect((await user.client.get('/api/backup')).body.keyBundle).toBeNull();
    });

    it.each([0, 1])('lets exactly one of two concurrent writers at expectedVersion %i win', async (expectedVersion) => {
      const user = await newUser();
      if (expectedVersion === 1) await putBundle(user.client, ciphertext(), 0);
      const blobs = [ciphertext(), ciphertext()];
      const replies = await Promise.all(blobs.map((blob) => putBundle(user.client, blob, expectedVersion)));
      expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
      const winner = replies.findIndex((r) => r.status === 200);
      expect(replies[1 - winner]!.body.error).toMatchObject({ code: 'stale_version', currentVersion: expectedVersion + 1 });
      expect((await user.client.get('/api/backup')).body.keyBundle).toMatchObject({ blob: blobs[winner], version: expectedVersion + 1 });
    });
  });

  describe('input limits', () => {
    it(`accepts a bundle of exactly ${KEY_BUNDLE_MAX_CHARS} characters`, async () => {
      const user = await newUser();
      expect((await putBundle(user.client, blobOfLength(KEY_BUNDLE_MAX_CHARS), 0)).status).toBe(200);
    });

    it('refuses a bundle one character over the limit and stores nothing', async () => {
      const user = await newUser();
      const reply = await putBundle(user.client, blobOfLength(KEY_BUNDLE_MAX_CHARS + 1), 0);
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
      expect((await user.client.get('/api/backup')).body.keyBundle).toBeNull();
    });

    it('refuses a body over the 64 KiB limit with payload_too_large and stores nothing', async () => {
      const user = await newUser();
      await putBundle(user.client, ciphertext(), 0);
      const reply = await putBundle(user.client, blobOfLength(BODY_LIMIT_BYTES), 1);
      expect(reply.status).toBe(413);
      expect(reply.body.error.code).toBe('payload_too_large');
      expect((await user.client.get('/api/backup')).body.keyBundle.version).toBe(1);
    });

    it.each([
      ['standard base64', 'ab+/cd=='],
      ['padding', 'abcd=='],
      ['whitespace', 'abcd efgh'],
      ['an empty string', ''],
    ])('refuses a blob with %s', async (_, blob) => {
      const user = await newUser();
      const reply = await putBundle(user.client, blob, 0);
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
      expect((await user.client.get('/api/backup')).body.keyBundle).toBeNull();
    });

    it.each([-1, 1.5, '0'])('refuses expectedVersion %j', async (expectedVersion) => {
      const user = await newUser();
      const reply = await user.client.put('/api/backup/key-bundle', { blob: ciphertext(), expectedVersion });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
    });
  });

  describe('wrap_prf per passkey', () => {
    it('stores a wrap under the user\'s own passkey with its own version', async () => {
      const user = await newUser();
      const wrap = ciphertext(80);
      const reply = await user.client.put(`/api/backup/wrap-prf/${user.credentialId}`, { blob: wrap, expectedVersion: 0 });
      expect(reply).toMatchObject({ status: 200, body: { version: 1 } });
      const stale = await user.client.put(`/api/backup/wrap-prf/${user.credentialId}`, { blob: ciphertext(80), expectedVersion: 0 });
      expect(stale.body.error).toMatchObject({ code: 'stale_version', currentVersion: 1 });
      const backup = await user.client.get('/api/backup');
      expect(backup.body).toEqual({ keyBundle: null, wrapPrf: [{ credentialId: user.credentialId, blob: wrap, version: 1, updatedAt: server.clock.now }] });
    });

    it('refuses a wrap over its size limit', async () => {
      const user = await newUser();
      const reply = await user.client.put(`/api/backup/wrap-prf/${user.credentialId}`, { blob: blobOfLength(WRAP_MAX_CHARS + 1), expectedVersion: 0 });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
    });

    it('answers not_found for an unknown passkey and for another user\'s passkey', async () => {
      const user = await newUser();
      const other = await newUser();
      const unknown = await user.client.put(`/api/backup/wrap-prf/${encodeBase64Url(new Uint8Array(16))}`, { blob: ciphertext(80), expectedVersion: 0 });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('not_found');
      const foreign = await user.client.put(`/api/backup/wrap-prf/${other.credentialId}`, { blob: ciphertext(80), expectedVersion: 0 });
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('not_found');
      expect((await user.client.get('/api/backup')).body.wrapPrf).toEqual([]);
      expect((await other.client.get('/api/backup')).body.wrapPrf).toEqual([]);
    });

    it('removes a passkey\'s wrap together with the passkey', async () => {
      const user = await newUser();
      const { reply: added } = await addPasskey(user, 'Second phone');
      expect(added.status).toBe(200);
      const second: string = added.body.passkey.id;
      for (const id of [user.credentialId, second]) {
        expect((await user.client.put(`/api/backup/wrap-prf/${id}`, { blob: ciphertext(80), expectedVersion: 0 })).status).toBe(200);
      }
      expect((await user.client.delete(`/api/passkeys/${second}`)).status).toBe(200);
      const wraps = (await user.client.get('/api/backup')).body.wrapPrf as Array<{ credentialId: string }>;
      expect(wraps.map((w) => w.credentialId)).toEqual([user.credentialId]);
      const rows = await server.store.db.selectFrom('secret_blobs').select('ref').where('user_id', '=', user.userId).where('kind', '=', 'wrap_prf').execute();
      expect(rows).toEqual([{ ref: user.credentialId }]);
    });
    it('survives a wrap write racing the removal of its passkey, leaving no orphan wrap', async () => {
      // PostgreSQL once deadlocked here (row lock vs the user's advisory lock taken in the other order).
      for (let i = 0; i < 5; i++) {
        const user = await newUser();
        const { reply: added } = await addPasskey(user);
        const id: string = added.body.passkey.id;
        await user.client.put(`/api/backup/wrap-prf/${id}`, { blob: ciphertext(80), expectedVersion: 0 });
        const [write, removal] = await Promise.all([
          user.client.put(`/api/backup/wrap-prf/${id}`, { blob: ciphertext(80), expectedVersion: 1 }),
          user.client.delete(`/api/passkeys/${id}`),
        ]);
        expect(removal.status).toBe(200);
        expect([200, 404]).toContain(write.status);
        expect((await user.client.get('/api/backup')).body.wrapPrf).toEqual([]);
      }
    });
  });

  describe('who may read and write', () => {
    it('lets a device session read the backup and records the writing device', async () => {
      const user = await newUser();
      const blob = ciphertext();
      await putBundle(user.client, blob, 0);
      const device = await registerDevice(user);
      const { client } = await deviceSignIn(server, device.deviceId, device.privateKey);
      expect((await client.get('/api/backup')).body.keyBundle).toMatchObject({ blob, version: 1 });
      expect((await putBundle(client, ciphertext(), 1)).body).toEqual({ version: 2 });
      expect((await readAuditLog(user.client)).at(-1)).toMatchObject({ type: 'backup.key_bundle.changed', data: { version: 2, deviceId: device.deviceId } });
    });

    it('refuses a client without a session', async () => {
      const anonymous = new ApiClient(server);
      for (const reply of [await anonymous.get('/api/backup'), await putBundle(anonymous, ciphertext(), 0)]) {
        expect(reply.status).toBe(401);
        expect(reply.body.error.code).toBe('unauthenticated');
      }
    });

    // The fetch reads its session in the same statement as the backup (store/session-backup.ts).
    it('refuses a fetch on an ended or idle-expired session, without the blob', async () => {
      const user = await newUser();
      const blob = ciphertext();
      await putBundle(user.client, blob, 0);
      const other = new ApiClient(server);
      await signInWithPasskey(user, other);
      const ended = new ApiClient(server);
      ended.cookie = user.client.cookie;
      expect((await user.client.post('/api/session/signout')).status).toBe(200);
      const afterSignOut = await ended.get('/api/backup');
      expect([afterSignOut.status, afterSignOut.body.error.code]).toEqual([401, 'unauthenticated']);
      expect(JSON.stringify(afterSignOut.body)).not.toContain(blob);

      expect((await other.get('/api/backup')).body.keyBundle).toMatchObject({ blob, version: 1 });
      server.clock.now += 30 * 60_000;
      const idle = await other.get('/api/backup');
      expect([idle.status, idle.body.error.code]).toEqual([401, 'session_expired']);
      expect(idle.headers.get('set-cookie')).toMatch(/kh_session=;.*Max-Age=0/i);
      expect(JSON.stringify(idle.body)).not.toContain(blob);
    });

    it('shows each user only their own bundle', async () => {
      const owner = await newUser();
      const other = await newUser();
      const blob = ciphertext();
      await putBundle(owner.client, blob, 0);
      const seen = await other.client.get('/api/backup');
      expect(seen.body).toEqual({ keyBundle: null, wrapPrf: [] });
      expect(JSON.stringify(seen.body)).not.toContain(blob);
      // The other user's writes land in their own slot, not the owner's.
      expect((await putBundle(other.client, ciphertext(), 0)).body).toEqual({ version: 1 });
      expect((await owner.client.get('/api/backup')).body.keyBundle).toMatchObject({ blob, version: 1 });
    });
  });

  it('audits each accepted key bundle change without the blob, and no refused one', async () => {
    const user = await newUser();
    const blobs = [ciphertext(), ciphertext(), ciphertext()];
    await putBundle(user.client, blobs[0]!, 0);
    await putBundle(user.client, blobs[1]!, 1);
    expect((await putBundle(user.client, blobs[2]!, 1)).status).toBe(409);
    const log = await readAuditLog(user.client);
    const changes = log.filter((e) => e.type === 'backup.key_bundle.changed');
    expect(changes.map((e) => e.data)).toEqual([{ version: 1, deviceId: null }, { version: 2, deviceId: null }]);
    const stored = await server.store.db.selectFrom('audit_log').select('data').where('user_id', '=', user.userId).execute();
    for (const blob of blobs) expect(stored.some((row) => row.data.includes(blob))).toBe(false);
  });
});
