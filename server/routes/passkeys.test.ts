import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutPrfOutput } from '../../protocol/webauthn';
import { createAccount, reanswerRegistration, signInWithPasskey } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, ORIGIN, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { SoftAuthenticator, type RegisterContext } from '../../test/helpers/soft-authenticator';

// Every request here comes from one address; the limits have their own suite (server/http/rate-limits.test.ts).

describe.each(DIALECTS)('passkey registration (%s)', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  /** register/options then a real attestation from a new authenticator; the response is raw (PRF output in it). */
  async function startRegistration(username: unknown, ctx: Partial<RegisterContext> = {}) {
    const client = new ApiClient(server);
    const authenticator = new SoftAuthenticator();
    const options = await client.post('/api/passkeys/register/options', { username });
    if (options.status !== 200) throw new Error(`register/options ${options.status} ${JSON.stringify(options.body)}`);
    const response = await authenticator.register(options.body, { origin: ORIGIN, prf: true, ...ctx });
    return { client, authenticator, options: options.body, response };
  }

  const userCount = async (username: string) =>
    (await server.store.db.selectFrom('users').select('id').where('username', '=', username).execute()).length;

  it('creates an account with a passkey and signs in again', async () => {
    const user = await createAccount(server, 'alice');
    expect((await user.client.get('/api/session')).body).toMatchObject({ username: 'alice', scope: 'passkey' });
    user.client.cookie = undefined;
    const signedIn = await signInWithPasskey(user);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.session.username).toBe('alice');
  });

  it('opens a passkey session on the new account and records its creation', async () => {
    const { client, response } = await startRegistration('dora');
    const reply = await client.post('/api/passkeys/register/verify', { response: withoutPrfOutput(response), passkeyName: ' Laptop ' });
    expect(reply.status).toBe(200);
    expect(reply.body.session).toMatchObject({ username: 'dora', scope: 'passkey', deviceId: null });
    expect(reply.body.passkey).toMatchObject({ id: response.id, name: 'Laptop', prfEnabled: true });
    expect(reply.body.passkey.prfSalt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const audit = await client.get('/api/audit');
    expect(audit.body.events.map((e: { type: string }) => e.type)).toEqual(['passkey.added', 'account.created']);
  });

  it('offers a PRF salt, user verification and a resident key in the creation options', async () => {
    const { options } = await startRegistration('erin');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(options.rp.id).toBe('localhost');
    expect(options.extensions.prf.eval.first).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('normalises the username: trimmed and lower-cased', async () => {
    const { client, response, authenticator } = await startRegistration('  Frank.Smith ');
    const reply = await client.post('/api/passkeys/register/verify', { response: withoutPrfOutput(response) });
    expect(reply.status).toBe(200);
    expect(reply.body.session.username).toBe('frank.smith');
    expect(await userCount('frank.smith')).toBe(1);
    // Signing in with another spelling of the same name reaches the same account.
    const other = new ApiClient(server);
    const signedIn = await signInWithPasskey({ username: 'FRANK.smith', userId: '', credentialId: '', client: other, authenticator });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.session.username).toBe('frank.smith');
  });

  it.each([
    ['too short', 'ab'],
    ['too long', 'a'.repeat(33)],
    ['a space inside', 'al ice'],
    ['an at sign', 'alice@example.com'],
    ['a leading dot', '.alice'],
    ['a non-ASCII letter', 'ålice'],
    ['empty', ''],
    ['not a string', 42],
    ['null', null],
  ])('refuses a username that is %s with invalid_request', async (_, username) => {
    const reply = await new ApiClient(server).post('/api/passkeys/register/options', { username });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('invalid_request');
  });

  it('refuses a request without a username with invalid_request', async () => {
    const reply = await new ApiClient(server).post('/api/passkeys/register/options', {});
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('invalid_request');
  });

  it('refuses a taken username at options, whatever its case', async () => {
    await createAccount(server, 'grace');
    for (const username of ['grace', ' GRACE ']) {
      const reply = await new ApiClient(server).post('/api/passkeys/register/options', { username });
      expect(reply.status).toBe(409);
      expect(reply.body.error.code).toBe('username_taken');
    }
  });

  it('lets only one of two racing registrations of a name verify', async () => {
    const first = await startRegistration('heidi');
    const second = await startRegistration('heidi');
    const replies = await Promise.all(
      [first, second].map((r) => r.client.post('/api/passkeys/register/verify', { response: withoutPrfOutput(r.response) })),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(replies.find((r) => r.status === 409)!.body.error.code).toBe('username_taken');
    expect(await userCount('heidi')).toBe(1);
    const loser = replies.findIndex((r) => r.status === 409);
    const credentials = await server.store.db.selectFrom('credentials').select('id').where('id', '=', [first, second][loser]!.response.id).execute();
    expect(credentials).toEqual([]);
  });

  it('refuses a replayed registration response with challenge_invalid', async () => {
    const { client, response } = await startRegistration('ivan');
    const body = { response: withoutPrfOutput(response) };
    expect((await client.post('/api/passkeys/register/verify', body)).status).toBe(200);
    const replay = await new ApiClient(server).post('/api/passkeys/register/verify', body);
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe('challenge_invalid');
  });

  it('refuses a registration answered after five minutes with challenge_expired', async () => {
    const { client, response } = await startRegistration('judy');
    server.clock.now += 5 * 60_000;
    const reply = await client.post('/api/passkeys/register/verify', { response: withoutPrfOutput(response) });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('challenge_expired');
    expect(await userCount('judy')).toBe(0);
  });

  it('never accepts PRF output: a registration still carrying prf.results is refused', async () => {
    const { client, response } = await startRegistration('kate');
    const prfOutput = (response.clientExtensionResults.prf as unknown as { results: { first: string } }).results.first;
    expect(prfOutput).toBeTruthy();
    const refused = await client.post('/api/passkeys/register/verify', { response });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    expect(JSON.stringify(refused.body)).not.toContain(prfOutput);
    expect(await userCount('kate')).toBe(0);
    // Nothing was consumed or stored: the app's stripped response still completes the ceremony.
    expect((await client.post('/api/passkeys/register/verify', { response: withoutPrfOutput(response) })).status).toBe(200);
  });

  it.each([
    ['made for another origin', { origin: 'https://evil.example' }],
    ['scoped to another RP ID', { rpId: 'evil.example' }],
    ['without user verification', { userVerified: false }],
  ])('refuses a registration %s with webauthn_failed', async (_, ctx) => {
    const username = `mallory-${Object.keys(ctx)[0]!.toLowerCase()}`;
    const { client, response } = await startRegistration(username, ctx);
    const reply = await client.post('/api/passkeys/register/verify', { response: withoutPrfOutput(response) });
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('webauthn_failed');
    expect(await userCount(username)).toBe(0);
  });

  it('refuses a new account built on a credential another account already holds', async () => {
    const victim = await startRegistration('laura');
    expect((await victim.client.post('/api/passkeys/register/verify', { response: withoutPrfOutput(victim.response) })).status).toBe(200);
    const client = new ApiClient(server);
    const options = await client.post('/api/passkeys/register/options', { username: 'mallory' });
    const copied = reanswerRegistration(withoutPrfOutput(victim.response), options.body.challenge);
    const reply = await client.post('/api/passkeys/register/verify', { response: copied });
    // The name is free: telling the client it is taken would send the user looking for another one.
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('webauthn_failed');
    expect(await userCount('mallory')).toBe(0);
  });
});
