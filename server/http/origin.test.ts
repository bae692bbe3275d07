import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutPrfOutput } from '../../protocol/webauthn';
import { addPasskey, answerSignIn, createAccount, newDeviceKey, verifySignIn } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, ORIGIN, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { SoftAuthenticator } from '../../test/helpers/soft-authenticator';

// Every request here comes from one address; the limits have their own suite (rate-limits.test.ts).
const TABLES = ['users', 'credentials', 'devices', 'challenges', 'sessions', 'secret_blobs', 'audit_log', 'rate_limits'] as const;

describe.each(DIALECTS)('Origin check (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  /** Every row of every table, in a stable order. */
  async function snapshot() {
    const tables = await Promise.all(
      TABLES.map(async (t) => [t, (await server.store.db.selectFrom(t).selectAll().execute()).map((r) => JSON.stringify(r)).sort()] as const),
    );
    return Object.fromEntries(tables);
  }

  it.each([
    ['no Origin', ''],
    ['a foreign Origin', 'https://evil.example'],
    ['the opaque "null" Origin', 'null'],
    ['a look-alike Origin', 'http://localhost:8080.evil.example'],
    ['the https twin of the Origin', 'https://localhost:8080'],
  ])('refuses every state-changing request with %s as bad_origin, and changes nothing', async (_, origin) => {
    const user = await createAccount(server, `origin${++names}`);
    const { reply: added } = await addPasskey(user);
    // A registration and a sign-in, each ready to verify, so the refusal can be shown to consume nothing.
    const app = new ApiClient(server);
    const pending = await app.post('/api/passkeys/register/options', { username: `pending${names}` });
    const registration = withoutPrfOutput(await new SoftAuthenticator().register(pending.body, { origin: ORIGIN, prf: true }));
    const { response: assertion } = await answerSignIn(app, user.username, user.authenticator);
    const deviceKey = await newDeviceKey();
    const before = await snapshot();

    // The user's own cookie rides along, as it would on a cross-site request without SameSite.
    const attacker = new ApiClient(server);
    attacker.origin = origin;
    attacker.cookie = user.client.cookie;
    const requests: [method: string, path: string, body?: unknown][] = [
      ['POST', '/api/passkeys/register/options', { username: 'newcomer' }],
      ['POST', '/api/passkeys/register/verify', { response: registration }],
      ['POST', '/api/passkeys/signin/options', { username: user.username }],
      ['POST', '/api/passkeys/signin/verify', { response: withoutPrfOutput(assertion) }],
      ['POST', '/api/passkeys/add/options', {}],
      ['DELETE', `/api/passkeys/${added.body.passkey.id}`],
      ['POST', '/api/devices', { name: 'Evil', publicKey: deviceKey.publicKey }],
      ['POST', '/api/devices/challenge', { deviceId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      ['PUT', '/api/backup/key-bundle', { blob: 'AAAA', expectedVersion: 0 }],
      ['POST', '/api/session/signout', {}],
      ['DELETE', '/api/account'],
    ];
    for (const [method, path, body] of requests) {
      const reply = await attacker.call(method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(403);
      expect(reply.body.error.code, `${method} ${path}`).toBe('bad_origin');
      expect(reply.headers.get('set-cookie'), `${method} ${path}`).toBeNull();
    }
    // A classic cross-site form post gets the same answer.
    const form = await attacker.call('POST', '/api/session/signout', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(403);
    expect(form.body.error.code).toBe('bad_origin');

    expect(await snapshot()).toEqual(before);
    // Nothing was consumed: both ceremonies still complete from the app, and the session lives on.
    expect((await app.post('/api/passkeys/register/verify', { response: registration })).status).toBe(200);
    expect((await verifySignIn(new ApiClient(server), assertion)).status).toBe(200);
    expect((await user.client.get('/api/passkeys')).body.passkeys).toHaveLength(2);
  });

  it('serves GET requests without an Origin', async () => {
    const user = await createAccount(server, `reader${++names}`);
    user.client.origin = '';
    for (const path of ['/api/health', '/api/session', '/api/passkeys', '/api/devices', '/api/backup', '/api/audit']) {
      const reply = await user.client.get(path);
      expect(reply.status, path).toBe(200);
    }
  });

  it('accepts the same state-changing request with the configured Origin', async () => {
    const user = await createAccount(server, `writer${++names}`);
    const out = await user.client.post('/api/session/signout');
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ ok: true });
  });
});
