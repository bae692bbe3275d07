import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS_MISS_RELOAD_MS, APPS_SNAPSHOT_MAX_AGE_MS } from '../../protocol/constants';
import { createAccount, signInWithPasskey } from '../../test/helpers/accounts';
import { databaseOf, runCliInProcess } from '../../test/helpers/cli';
import { ApiClient, DIALECTS, ORIGIN, startTestServer, type ApiReply, type TestServer } from '../../test/helpers/harness';
import { apps as appsCommand } from '../cli/apps';

const NOTES = 'http://localhost:5174';
const FOREIGN = 'https://evil.example';
const APPS = `keyhold=${ORIGIN};field-notes=${NOTES}`;

/** The CORS headers of a reply (every Access-Control-* header). */
const corsHeaders = (reply: ApiReply) => Object.fromEntries([...reply.headers].filter(([name]) => name.startsWith('access-control-')));
const varies = (reply: ApiReply) => (reply.headers.get('vary') ?? '').split(',').map((v) => v.trim().toLowerCase());

describe.each(DIALECTS)('apps and cross-origin requests (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, { APPS });
  });
  afterAll(() => server.close());

  const preflight = (origin: string, method = 'PUT') =>
    server.app.request('/api/records/abc', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' } });

  it('answers a preflight from a registered app\'s origin with credentialed CORS for exactly that origin', async () => {
    const res = await preflight(NOTES);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(NOTES);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods')?.split(',')).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toBe('content-type');
    expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
  });

  it('serves a signed-in user on the second app\'s origin, with its session cookie, and lets that page read every reply', async () => {
    const user = await createAccount(server, `notes${++names}`);
    // The second app's own passkey sign-in: Keyhold's session is not the second app's (server/routes/app-scoping.test.ts).
    user.client.origin = NOTES;
    expect((await signInWithPasskey(user)).status).toBe(200);
    const session = await user.client.get('/api/session');
    expect(session.status).toBe(200);
    expect(session.body.userId).toBe(user.userId);
    expect(corsHeaders(session)).toEqual({ 'access-control-allow-origin': NOTES, 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'Retry-After' });

    // A refusal is readable too, so the app can tell "sign in again" from a network failure.
    const stranger = new ApiClient(server);
    stranger.origin = NOTES;
    const refused = await stranger.get('/api/devices');
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthenticated');
    expect(corsHeaders(refused)).toEqual(corsHeaders(session));
    for (const reply of [session, refused]) expect(varies(reply)).toEqual(['origin']);

    const out = await user.client.post('/api/session/signout');
    expect(out.status).toBe(200);
    expect(out.headers.get('access-control-allow-origin')).toBe(NOTES);
  });

  it('gives an origin no app lists no CORS headers: reads are kept from its page, preflights allow nothing, writes are refused', async () => {
    const user = await createAccount(server, `victim${++names}`);
    const attacker = new ApiClient(server);
    attacker.origin = FOREIGN;
    attacker.cookie = user.client.cookie;

    const pre = await preflight(FOREIGN);
    expect(pre.status).toBe(204);
    expect([...pre.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);

    const read = await attacker.get('/api/session');
    expect(corsHeaders(read)).toEqual({});

    const write = await attacker.post('/api/session/signout');
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('bad_origin');
    expect(corsHeaders(write)).toEqual({});
    // The session lives on.
    expect((await user.client.get('/api/session')).status).toBe(200);
  });

  it('treats an OPTIONS that asks for no method as no preflight: a JSON not_found', async () => {
    const res = await server.app.request('/api/health', { method: 'OPTIONS', headers: { origin: NOTES } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('leaves same-origin requests as they were: no CORS headers on a GET without Origin', async () => {
    const user = await createAccount(server, `home${++names}`);
    user.client.origin = '';
    const reply = await user.client.get('/api/session');
    expect(reply.status).toBe(200);
    expect(corsHeaders(reply)).toEqual({});
  });

  it('varies every API reply by Origin', async () => {
    const client = (origin: string) => Object.assign(new ApiClient(server), { origin });
    const replies = [
      await client(ORIGIN).get('/api/health'),
      await client(NOTES).get('/api/health'),
      await client('').get('/api/health'),
      await client(FOREIGN).get('/api/health'),
      await client(FOREIGN).post('/api/session/signout'),
      await client(NOTES).get('/api/no-such-route'),
      await client(NOTES).post('/api/passkeys/signin/options', { username: 42 }),
    ];
    for (const reply of replies) expect(varies(reply)).toContain('origin');
    for (const res of [await preflight(NOTES), await preflight(FOREIGN)]) expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
  });

  it('serves an app the operator adds once an unknown origin reloads the list, at most one reload per interval', async () => {
    const later = 'http://localhost:5175';
    const client = Object.assign(new ApiClient(server), { origin: later });
    // An unknown origin reloads the snapshot once; the next unknown one, in the same interval, does not.
    expect((await client.get('/api/apps/current')).status).toBe(403);
    await runCliInProcess((write) => appsCommand(['add', 'later', 'Later', later], { ...databaseOf(server), ORIGIN, APPS }, write));
    expect((await client.get('/api/apps/current')).body.error.code).toBe('bad_origin');
    server.clock.now += APPS_MISS_RELOAD_MS;
    const served = await client.get('/api/apps/current');
    expect(served.body).toEqual({ app: { id: 'later', name: 'Later' } });
    expect(served.headers.get('access-control-allow-origin')).toBe(later);

    // Removed: still served from the snapshot until it is reloaded (at the latest when it is too old).
    await runCliInProcess((write) => appsCommand(['remove', 'later'], { ...databaseOf(server), ORIGIN, APPS }, write));
    expect((await client.get('/api/apps/current')).status).toBe(200);
    server.clock.now += APPS_SNAPSHOT_MAX_AGE_MS;
    const gone = await client.get('/api/apps/current');
    expect(gone.status).toBe(403);
    expect(corsHeaders(gone)).toEqual({});
  });

  it('picks up an app another process registered when refreshed', async () => {
    const other = 'http://localhost:5176';
    await runCliInProcess((write) => appsCommand(['add', 'other', 'Other', other], { ...databaseOf(server), ORIGIN, APPS }, write));
    await server.apps.refresh();
    const reply = await Object.assign(new ApiClient(server), { origin: other }).get('/api/apps/current');
    expect(reply.body).toEqual({ app: { id: 'other', name: 'Other' } });
    await runCliInProcess((write) => appsCommand(['remove', 'other'], { ...databaseOf(server), ORIGIN, APPS }, write));
    await server.apps.refresh();
    expect((await Object.assign(new ApiClient(server), { origin: other }).get('/api/apps/current')).status).toBe(403);
  });
});
