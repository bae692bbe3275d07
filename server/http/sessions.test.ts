import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../protocol/base64url';
import { withoutPrfOutput } from '../../protocol/webauthn';
import { signInWithPasskey, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, type ApiReply, DIALECTS, expectError, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { SoftAuthenticator } from '../../test/helpers/soft-authenticator';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// Every request here comes from one address; the limits have their own suite (rate-limits.test.ts).

/** Creates an account on a server with any ORIGIN/RP_ID: browser and authenticator both use the server's origin. */
async function createAccountOn(server: TestServer, username: string): Promise<TestUser & { reply: ApiReply }> {
  const client = new ApiClient(server);
  client.origin = server.config.origin;
  const authenticator = new SoftAuthenticator();
  const options = await client.post('/api/passkeys/register/options', { username });
  const response = await authenticator.register(options.body, { origin: server.config.origin, prf: true });
  const reply = await client.post('/api/passkeys/register/verify', { response: withoutPrfOutput(response) });
  if (reply.status !== 200) throw new Error(`register/verify ${reply.status} ${JSON.stringify(reply.body)}`);
  return { username, userId: reply.body.session.userId, credentialId: reply.body.passkey.id, client, authenticator, reply };
}

/** Splits a Set-Cookie header into name, value and attributes (lower-cased names). */
function parseSetCookie(header: string | null) {
  const [pair, ...parts] = (header ?? '').split(/;\s*/);
  const at = pair!.indexOf('=');
  const attributes = new Map(parts.map((p) => (p.includes('=') ? [p.slice(0, p.indexOf('=')).toLowerCase(), p.slice(p.indexOf('=') + 1)] : [p.toLowerCase(), ''])));
  return { name: pair!.slice(0, at), value: pair!.slice(at + 1), attributes };
}

describe.each(DIALECTS)('sessions (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  const newUser = () => createAccountOn(server, `session${++names}`);
  const sessionAfter = async (user: TestUser, ms: number) => {
    server.clock.now += ms;
    return user.client.get('/api/session');
  };

  describe('the cookie', () => {
    it('is HttpOnly, SameSite=Strict, Path=/ and not Secure over http', async () => {
      const user = await newUser();
      const cookie = parseSetCookie(user.reply.headers.get('set-cookie'));
      expect(cookie.name).toBe('kh_session');
      expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(cookie.attributes.has('httponly')).toBe(true);
      expect(cookie.attributes.get('samesite')).toBe('Strict');
      expect(cookie.attributes.get('path')).toBe('/');
      expect(cookie.attributes.has('secure')).toBe(false);
      expect(cookie.attributes.has('domain')).toBe(false);
      expect(new Date(cookie.attributes.get('expires')!).getTime()).toBe(Math.floor(user.reply.body.session.expiresAt / 1000) * 1000);
      expect([...cookie.attributes.keys()].sort()).toEqual(['expires', 'httponly', 'path', 'samesite']);
      // A passkey sign-in sets the same kind of cookie, with a new value.
      const again = parseSetCookie((await signInWithPasskey(user, new ApiClient(server))).headers.get('set-cookie'));
      expect(again.name).toBe('kh_session');
      expect(again.value).not.toBe(cookie.value);
      expect([...again.attributes.keys()].sort()).toEqual(['expires', 'httponly', 'path', 'samesite']);
      expect(again.attributes.get('samesite')).toBe('Strict');
    });

    it('is a forged or random value: unauthenticated', async () => {
      const user = await newUser();
      const token = user.client.cookie!.split('=')[1]!;
      const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
      for (const cookie of [undefined, `kh_session=${encodeBase64Url(randomBytes(32))}`, `kh_session=${flipped}`, 'kh_session=', 'kh_session=%00']) {
        const client = new ApiClient(server);
        client.cookie = cookie;
        await expectError(await client.get('/api/session'), 401, 'unauthenticated');
      }
    });

    it('never appears in the sessions table, and a stolen row is no cookie', async () => {
      const user = await newUser();
      const token = user.client.cookie!.split('=')[1]!;
      const rows = await server.store.db.selectFrom('sessions').selectAll().execute();
      expect(rows.filter((r) => r.user_id === user.userId)).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(token);
      const row = rows.find((r) => r.user_id === user.userId)!;
      const thief = new ApiClient(server);
      thief.cookie = `kh_session=${row.id_hash}`;
      await expectError(await thief.get('/api/session'), 401, 'unauthenticated');
    });
  });

  describe('expiry', () => {
    it('ends a session unused for 30 minutes with session_expired, then forgets it', async () => {
      const idle = await newUser();
      const fresh = await newUser();
      expect((await sessionAfter(fresh, 30 * MINUTE - 1)).status).toBe(200);
      const stale = idle.client.cookie;
      const expired = await sessionAfter(idle, 1);
      await expectError(expired, 401, 'session_expired');
      expect(parseSetCookie(expired.headers.get('set-cookie')).attributes.get('max-age')).toBe('0');
      const replay = new ApiClient(server);
      replay.cookie = stale;
      await expectError(await replay.get('/api/session'), 401, 'unauthenticated');
    });

    it('keeps a used session alive: used at 20 minutes, still valid at 40', async () => {
      const user = await newUser();
      expect((await sessionAfter(user, 20 * MINUTE)).status).toBe(200);
      expect((await sessionAfter(user, 20 * MINUTE)).status).toBe(200);
      await expectError(await sessionAfter(user, 30 * MINUTE), 401, 'session_expired');
    });

    it('ends a session 12 hours after sign-in even while it is in use', async () => {
      const user = await newUser();
      const start = server.clock.now;
      expect(user.reply.body.session.expiresAt).toBe(start + 12 * HOUR);
      while (server.clock.now + 20 * MINUTE < start + 12 * HOUR) {
        expect((await sessionAfter(user, 20 * MINUTE)).status).toBe(200);
      }
      server.clock.now = start + 12 * HOUR;
      await expectError(await user.client.get('/api/session'), 401, 'session_expired');
    });
  });

  describe('sign-out', () => {
    it('ends the session on the server: the old cookie replayed is unauthenticated', async () => {
      const user = await newUser();
      const other = new ApiClient(server);
      expect((await signInWithPasskey(user, other)).status).toBe(200);
      const old = user.client.cookie;
      const out = await user.client.post('/api/session/signout');
      expect(out.status).toBe(200);
      expect(out.body).toEqual({ ok: true });
      expect(parseSetCookie(out.headers.get('set-cookie'))).toMatchObject({ name: 'kh_session', value: '' });
      expect(parseSetCookie(out.headers.get('set-cookie')).attributes.get('max-age')).toBe('0');
      const replay = new ApiClient(server);
      replay.cookie = old;
      await expectError(await replay.get('/api/session'), 401, 'unauthenticated');
      await expectError(await replay.post('/api/session/signout'), 401, 'unauthenticated');
      // Only that session ended: the user's other browser is still signed in, and the log says so.
      const audit = await other.get('/api/audit');
      expect(audit.status).toBe(200);
      expect(audit.body.events[0]).toMatchObject({ type: 'session.signout', data: { scope: 'passkey' } });
    });
  });
});

describe.each(DIALECTS)('sessions with configured limits (%s)', (dialect) => {
  it('follows SESSION_IDLE_MINUTES and SESSION_ABSOLUTE_HOURS', async () => {
    const server = await startTestServer(dialect, { ...UNLIMITED_SIGNINS, SESSION_IDLE_MINUTES: '5', SESSION_ABSOLUTE_HOURS: '1' });
    try {
      const idle = await createAccountOn(server, 'idle');
      const busy = await createAccountOn(server, 'busy');
      const start = server.clock.now;
      expect(busy.reply.body.session.expiresAt).toBe(start + HOUR);
      server.clock.now = start + 4 * MINUTE;
      expect((await busy.client.get('/api/session')).status).toBe(200);
      server.clock.now = start + 5 * MINUTE;
      await expectError(await idle.client.get('/api/session'), 401, 'session_expired');
      for (let at = 8; at < 60; at += 4) {
        server.clock.now = start + at * MINUTE;
        expect((await busy.client.get('/api/session')).status).toBe(200);
      }
      server.clock.now = start + HOUR;
      await expectError(await busy.client.get('/api/session'), 401, 'session_expired');
    } finally {
      await server.close();
    }
  });

  it('keeps a one-minute idle session alive while it is used every 45 seconds', async () => {
    const server = await startTestServer(dialect, { ...UNLIMITED_SIGNINS, SESSION_IDLE_MINUTES: '1' });
    try {
      const user = await createAccountOn(server, 'brisk');
      for (let i = 0; i < 4; i++) {
        server.clock.now += 45_000;
        expect((await user.client.get('/api/session')).status).toBe(200);
      }
      server.clock.now += MINUTE;
      await expectError(await user.client.get('/api/session'), 401, 'session_expired');
    } finally {
      await server.close();
    }
  });

  it('uses a __Host- cookie with Secure over https, and clears it on sign-out', async () => {
    const server = await startTestServer(dialect, { ...UNLIMITED_SIGNINS, ORIGIN: 'https://vault.example.com', RP_ID: 'vault.example.com' });
    try {
      const user = await createAccountOn(server, 'secure');
      const cookie = parseSetCookie(user.reply.headers.get('set-cookie'));
      expect(cookie.name).toBe('__Host-kh_session');
      expect([...cookie.attributes.keys()].sort()).toEqual(['expires', 'httponly', 'path', 'samesite', 'secure']);
      expect(cookie.attributes.get('samesite')).toBe('Strict');
      expect(cookie.attributes.get('path')).toBe('/');
      expect((await user.client.get('/api/session')).body).toMatchObject({ username: 'secure', scope: 'passkey' });

      // The unprefixed name (settable from a sibling subdomain) is not read.
      const tossed = new ApiClient(server);
      tossed.cookie = `kh_session=${cookie.value}`;
      await expectError(await tossed.get('/api/session'), 401, 'unauthenticated');

      // A browser drops a __Host- deletion unless it is Secure with Path=/, so the sign-out must send both.
      const out = await user.client.post('/api/session/signout');
      const cleared = parseSetCookie(out.headers.get('set-cookie'));
      expect(cleared).toMatchObject({ name: '__Host-kh_session', value: '' });
      expect(cleared.attributes.get('max-age')).toBe('0');
      expect(cleared.attributes.has('secure')).toBe(true);
      expect(cleared.attributes.get('path')).toBe('/');
    } finally {
      await server.close();
    }
  });

  it('gives every other app its own __Host- cookie, named after the app, beside the default app\'s', async () => {
    const notesOrigin = 'https://notes.example.com';
    const server = await startTestServer(dialect, { ...UNLIMITED_SIGNINS, ORIGIN: 'https://vault.example.com', APPS: `keyhold=https://vault.example.com;fieldnotes=${notesOrigin}`, RP_ID: 'example.com' });
    try {
      const user = await createAccountOn(server, 'two-apps');
      user.client.origin = notesOrigin;
      const signedIn = await signInWithPasskey(user);
      expect(signedIn.status).toBe(200);
      const cookie = parseSetCookie(signedIn.headers.get('set-cookie'));
      expect(cookie.name).toBe('__Host-kh_session-fieldnotes');
      expect([...cookie.attributes.keys()].sort()).toEqual(['expires', 'httponly', 'path', 'samesite', 'secure']);
      expect(user.client.cookie?.split('; ').map((c) => c.slice(0, c.indexOf('='))).sort()).toEqual(['__Host-kh_session', '__Host-kh_session-fieldnotes']);
      expect((await user.client.get('/api/session')).status).toBe(200);

      const tossed = Object.assign(new ApiClient(server), { origin: notesOrigin, cookie: `kh_session-fieldnotes=${cookie.value}` });
      await expectError(await tossed.get('/api/session'), 401, 'unauthenticated');
      const out = await user.client.post('/api/session/signout');
      expect(parseSetCookie(out.headers.get('set-cookie'))).toMatchObject({ name: '__Host-kh_session-fieldnotes', value: '' });
      user.client.origin = server.config.origin;
      expect((await user.client.get('/api/session')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
