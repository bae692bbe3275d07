import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { answerSignIn, auditEvents, createAccount, verifySignIn, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, ORIGIN, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { SoftAuthenticator, type AuthenticateContext } from '../../test/helpers/soft-authenticator';

// Every request here comes from one address; the limits have their own suite (server/http/rate-limits.test.ts).

describe.each(DIALECTS)('passkey sign-in (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  /** A fresh account whose client keeps its passkey session, so its audit log can be read. */
  const newUser = () => createAccount(server, `user${++names}`);

  /** One sign-in attempt from a separate browser, answered with the given authenticator knobs. */
  async function attempt(user: TestUser, ctx: Partial<AuthenticateContext> = {}, authenticator = user.authenticator) {
    const { response } = await answerSignIn(new ApiClient(server), user.username, authenticator, ctx);
    return { response, reply: await verifySignIn(new ApiClient(server), response) };
  }

  async function latestEvent(user: TestUser) {
    const [event] = await auditEvents(user.client);
    return event!;
  }

  it('signs in, opens a passkey session and records the success', async () => {
    const user = await newUser();
    const { reply } = await attempt(user);
    expect(reply.status).toBe(200);
    expect(reply.body.session).toMatchObject({ userId: user.userId, username: user.username, scope: 'passkey' });
    expect(reply.body.passkey.id).toBe(user.credentialId);
    expect(reply.headers.get('set-cookie')).toMatch(/^kh_session=[A-Za-z0-9_-]{43};/);
    expect(await latestEvent(user)).toMatchObject({ type: 'signin.passkey.success', data: { credentialId: user.credentialId } });
  });

  it.each([
    ['made for another origin', { origin: 'https://evil.example' }],
    ['scoped to another RP ID', { rpId: 'evil.example' }],
    ['without user verification', { userVerified: false }],
  ])('refuses an assertion %s with webauthn_failed and audits it', async (_, ctx) => {
    const user = await newUser();
    const { reply } = await attempt(user, ctx);
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('webauthn_failed');
    expect(await latestEvent(user)).toMatchObject({ type: 'signin.passkey.failure', data: { reason: 'verification_failed' } });
  });

  it.each([
    ['a tampered signature', 'signature'],
    ['tampered client data', 'clientData'],
  ] as const)('refuses %s with signin_failed and audits it', async (_, tamper) => {
    const user = await newUser();
    const { reply } = await attempt(user, { tamper });
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('signin_failed');
    expect(await latestEvent(user)).toMatchObject({ type: 'signin.passkey.failure', data: { reason: 'bad_signature' } });
  });

  it('refuses a replayed assertion with challenge_invalid and audits it', async () => {
    const user = await newUser();
    const { response, reply } = await attempt(user);
    expect(reply.status).toBe(200);
    const replay = await verifySignIn(new ApiClient(server), response);
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe('challenge_invalid');
    expect(replay.headers.get('set-cookie')).toBeNull();
    expect(await latestEvent(user)).toMatchObject({ type: 'challenge.failure', data: { reason: 'challenge_invalid' } });
  });

  it('accepts a challenge answered just inside five minutes and refuses it at five minutes', async () => {
    const user = await newUser();
    const client = new ApiClient(server);
    const onTime = await answerSignIn(client, user.username, user.authenticator);
    server.clock.now += 5 * 60_000 - 1;
    expect((await verifySignIn(client, onTime.response)).status).toBe(200);

    const late = await answerSignIn(client, user.username, user.authenticator);
    server.clock.now += 5 * 60_000;
    const reply = await verifySignIn(client, late.response);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('challenge_expired');
    expect(await latestEvent(user)).toMatchObject({ type: 'challenge.failure', data: { reason: 'challenge_expired' } });
  });

  it('refuses a synced copy of the passkey that reports an old counter with counter_regression', async () => {
    const user = await newUser();
    expect((await attempt(user)).reply.status).toBe(200); // counter 1
    const copy = new SoftAuthenticator();
    copy.importCredential(user.authenticator.exportCredential(user.credentialId));
    expect((await attempt(user)).reply.status).toBe(200); // counter 2
    const { reply } = await attempt(user, {}, copy); // the copy says 2 again
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('counter_regression');
    expect(await latestEvent(user)).toMatchObject({ type: 'signin.passkey.failure', data: { reason: 'counter_regression' } });
    // The stored counter did not move, so the genuine authenticator still signs in.
    expect((await attempt(user)).reply.status).toBe(200);
  });

  it.each([
    ['went back to zero', 0],
    ['stayed the same', 1],
  ])('refuses an assertion whose counter %s with counter_regression', async (_, counter) => {
    const user = await newUser();
    expect((await attempt(user)).reply.status).toBe(200); // stored counter is now 1
    const { reply } = await attempt(user, { counter });
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('counter_regression');
  });

  it("refuses another user's credential answering this user's challenge with signin_failed", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { options, response } = await answerSignIn(new ApiClient(server), alice.username, bob.authenticator);
    expect(options.allowCredentials!.map((c) => c.id)).toEqual([alice.credentialId]);
    expect(response.id).toBe(bob.credentialId);
    const reply = await verifySignIn(new ApiClient(server), response);
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('signin_failed');
    expect(await latestEvent(alice)).toMatchObject({ type: 'signin.passkey.failure', data: { reason: 'unknown_credential' } });
    expect((await auditEvents(bob.client)).map((e) => e.type)).not.toContain('signin.passkey.success');
  });

  it('never accepts PRF output: an assertion still carrying prf.results is refused', async () => {
    const user = await newUser();
    const client = new ApiClient(server);
    const { options, response } = await answerSignIn(client, user.username, user.authenticator);
    expect(Object.keys(options.extensions!.prf!.evalByCredential!)).toEqual([user.credentialId]);
    const prfOutput = (response.clientExtensionResults.prf as unknown as { results: { first: string } }).results.first;
    const refused = await client.post('/api/passkeys/signin/verify', { response });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    expect(JSON.stringify(refused.body)).not.toContain(prfOutput);
    expect(refused.headers.get('set-cookie')).toBeNull();
  });

  it('keeps signatures, client data and authenticator data out of the audit log', async () => {
    const user = await newUser();
    const responses: AuthenticationResponseJSON[] = [];
    for (const ctx of [{}, { tamper: 'signature' as const }, { origin: 'https://evil.example' }, { userVerified: false }, {}]) {
      const { response } = await attempt(user, ctx);
      responses.push(response);
    }
    await verifySignIn(new ApiClient(server), responses[0]!); // a replay
    const events = await auditEvents(user.client);
    expect(events.slice(0, 6).map((e) => e.type)).toEqual([
      'challenge.failure',
      'signin.passkey.success',
      'signin.passkey.failure',
      'signin.passkey.failure',
      'signin.passkey.failure',
      'signin.passkey.success',
    ]);
    const stored = JSON.stringify(events);
    for (const { response } of responses) {
      for (const secret of [response.signature, response.clientDataJSON, response.authenticatorData]) expect(stored).not.toContain(secret);
    }
  });

  describe('an unknown username', () => {
    const signInOptions = async (username: string) => (await new ApiClient(server).post('/api/passkeys/signin/options', { username })).body;

    it("gets options shaped like a real user's", async () => {
      const real = await newUser();
      const known = await signInOptions(real.username);
      const decoy = await signInOptions('nobody-here');
      expect(Object.keys(decoy).sort()).toEqual(Object.keys(known).sort());
      expect(decoy.allowCredentials).toHaveLength(1);
      expect(Object.keys(decoy.allowCredentials[0]).sort()).toEqual(Object.keys(known.allowCredentials[0]).sort());
      expect(decoy.allowCredentials[0].id).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      const evalByCredential = decoy.extensions.prf.evalByCredential;
      expect(Object.keys(evalByCredential)).toEqual([decoy.allowCredentials[0].id]);
      expect(evalByCredential[decoy.allowCredentials[0].id].first).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(evalByCredential[decoy.allowCredentials[0].id].first).toHaveLength(known.extensions.prf.evalByCredential[real.credentialId].first.length);
      expect({ ...decoy, challenge: '', allowCredentials: [], extensions: {} }).toEqual({ ...known, challenge: '', allowCredentials: [], extensions: {} });
    });

    it('gets the same decoy credential every time, and a different one than other names', async () => {
      const first = await signInOptions('nobody-here');
      const again = await signInOptions('  NOBODY-here ');
      expect(again.challenge).not.toBe(first.challenge);
      expect(again.allowCredentials).toEqual(first.allowCredentials);
      expect(again.extensions).toEqual(first.extensions);
      const other = await signInOptions('nobody-else');
      expect(other.allowCredentials[0].id).not.toBe(first.allowCredentials[0].id);
    });

    it('cannot be signed into: any answer fails with signin_failed', async () => {
      const real = await newUser();
      const stray = new SoftAuthenticator(); // a credential the server never saw
      const pending = await new ApiClient(server).post('/api/passkeys/register/options', { username: 'stray-key' });
      await stray.register(pending.body, { origin: ORIGIN, prf: true });
      for (const authenticator of [stray, real.authenticator]) {
        const { response } = await answerSignIn(new ApiClient(server), 'nobody-here', authenticator);
        const reply = await verifySignIn(new ApiClient(server), response);
        expect(reply.status).toBe(401);
        expect(reply.body.error.code).toBe('signin_failed');
        expect(reply.body.error.message).toBe('Sign-in failed.');
      }
    });
  });
});
