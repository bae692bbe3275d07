import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutPrfOutput } from '../../protocol/webauthn';
import { answerSignIn, createAccount, verifySignIn } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, ORIGIN, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { SoftAuthenticator } from '../../test/helpers/soft-authenticator';

const NOTES = 'http://localhost:5174';
const OTHER_SITE = 'https://notes.example.org';
const APPS = `keyhold=${ORIGIN};field-notes=${NOTES},${OTHER_SITE}`;

describe.each(DIALECTS)('registered apps through the API (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  const from = (origin: string) => Object.assign(new ApiClient(server), { origin });
  beforeAll(async () => {
    server = await startTestServer(dialect, { APPS, ...UNLIMITED_SIGNINS });
  });
  afterAll(() => server.close());

  it('names the app a request comes from by its Origin, and the default app for a GET without one', async () => {
    expect((await from(NOTES).get('/api/apps/current')).body).toEqual({ app: { id: 'field-notes', name: 'field-notes' } });
    expect((await from(ORIGIN).get('/api/apps/current')).body).toEqual({ app: { id: 'keyhold', name: 'Keyhold' } });
    expect((await from('').get('/api/apps/current')).body).toEqual({ app: { id: 'keyhold', name: 'Keyhold' } });
    const foreign = await from('https://evil.example').get('/api/apps/current');
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('bad_origin');
  });

  it('lists every registered origin at /.well-known/webauthn for Related Origin Requests, cacheable briefly', async () => {
    const res = await server.app.request('/.well-known/webauthn', { headers: { origin: OTHER_SITE } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const { origins } = (await res.json()) as { origins: string[] };
    expect(origins.sort()).toEqual([NOTES, ORIGIN, OTHER_SITE].sort());
  });

  it('creates an account and signs in with a passkey from the second app\'s origin', async () => {
    const username = `notes${++names}`;
    const client = from(NOTES);
    const authenticator = new SoftAuthenticator();
    const options = await client.post('/api/passkeys/register/options', { username });
    const created = await client.post('/api/passkeys/register/verify', { response: withoutPrfOutput(await authenticator.register(options.body, { origin: NOTES, prf: true })) });
    expect(created.status).toBe(200);
    expect(created.headers.get('access-control-allow-origin')).toBe(NOTES);

    // The same passkey (one RP ID) signs in on the first app and on the app on another site.
    for (const origin of [ORIGIN, OTHER_SITE]) {
      const { response } = await answerSignIn(from(origin), username, authenticator, { origin });
      expect((await verifySignIn(from(origin), response)).status, origin).toBe(200);
    }
  });

  it('refuses a passkey ceremony run on an origin no app lists, even when the request itself comes from a registered one', async () => {
    const user = await createAccount(server, `owner${++names}`);
    const { response } = await answerSignIn(from(NOTES), user.username, user.authenticator, { origin: 'https://evil.example' });
    const refused = await verifySignIn(from(NOTES), response);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('webauthn_failed');

    const pending = await from(NOTES).post('/api/passkeys/register/options', { username: `pending${names}` });
    const registration = await new SoftAuthenticator().register(pending.body, { origin: 'http://localhost:5999', prf: true });
    const notCreated = await from(NOTES).post('/api/passkeys/register/verify', { response: withoutPrfOutput(registration) });
    expect(notCreated.status).toBe(401);
    expect(notCreated.body.error.code).toBe('webauthn_failed');
    expect((await from(ORIGIN).post('/api/passkeys/register/options', { username: `pending${names}` })).status).toBe(200);
  });
});
