import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answerSignIn, createAccount, signInWithPasskey, verifySignIn, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, startTestServer, type ApiReply, type TestServer } from '../../test/helpers/harness';
import { startSecondInstance } from '../../test/helpers/second-instance';

const WINDOW_MS = 60_000;
const LIMITS = { SIGNIN_LIMIT_PER_ACCOUNT: '5', SIGNIN_LIMIT_PER_ADDRESS: '8', TRUST_PROXY: 'true' };

function expectRateLimited(reply: ApiReply, retryAfterSeconds: number) {
  expect(reply.status).toBe(429);
  expect(reply.body.error.code).toBe('rate_limited');
  expect(reply.body.error.retryAfterSeconds).toBe(retryAfterSeconds);
  expect(reply.headers.get('retry-after')).toBe(String(retryAfterSeconds));
}

describe.each(DIALECTS)('sign-in rate limits (%s)', (dialect) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  beforeEach(async () => {
    server = await startTestServer(dialect, LIMITS);
    // 15 s into a window: every refusal below must say "retry after 45 s".
    server.clock.now = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS + 15_000;
    alice = await createAccount(server, 'alice');
    bob = await createAccount(server, 'bob');
  });
  afterEach(() => server.close());

  /** A browser behind the trusted proxy, seen at `address` (X-Forwarded-For), talking to `instance`. */
  function browser(address: string, instance = server) {
    const client = new ApiClient(instance);
    client.address = address;
    return client;
  }
  const signInOptions = (client: ApiClient, username: string) => client.post('/api/passkeys/signin/options', { username });

  it('refuses the sixth sign-in to one account within a minute with rate_limited and Retry-After', async () => {
    for (let i = 0; i < 5; i++) {
      const reply = await signInWithPasskey(alice, browser(`198.51.100.${i}`));
      expect(reply.status, `sign-in ${i + 1}`).toBe(200);
      server.clock.now += 5_000;
    }
    expectRateLimited(await signInWithPasskey(alice, browser('198.51.100.9')), 20);
  });

  it('leaves other accounts alone', async () => {
    const address = '198.51.100.1';
    for (let i = 0; i < 6; i++) await signInOptions(browser(address), 'alice');
    expectRateLimited(await signInOptions(browser(address), 'alice'), 45);
    expect((await signInWithPasskey(bob, browser(address))).status).toBe(200);
    expect((await signInWithPasskey(bob, browser('198.51.100.2'))).status).toBe(200);
  });

  it('limits one address across accounts, known or not', async () => {
    const address = '203.0.113.7';
    expect((await signInWithPasskey(alice, browser(address))).status).toBe(200);
    for (let i = 0; i < 7; i++) expect((await signInOptions(browser(address), `guess${i}`)).status).toBe(200);
    expectRateLimited(await signInOptions(browser(address), 'guess7'), 45);
    expectRateLimited(await signInWithPasskey(bob, browser(address)), 45);
    // Another address, and the same accounts, are unaffected.
    expect((await signInWithPasskey(bob, browser('203.0.113.8'))).status).toBe(200);
  });

  it('opens a new window after a minute', async () => {
    for (let i = 0; i < 5; i++) await signInOptions(browser('198.51.100.1'), 'alice');
    expectRateLimited(await signInOptions(browser('198.51.100.1'), 'alice'), 45);
    server.clock.now += 45_000 - 1;
    expectRateLimited(await signInOptions(browser('198.51.100.1'), 'alice'), 1);
    server.clock.now += 1;
    expect((await signInWithPasskey(alice, browser('198.51.100.1'))).status).toBe(200);
  });

  it('counts challenges again when they are spent, so a stockpile cannot be burst', async () => {
    const pending = [];
    for (let i = 0; i < 5; i++) pending.push(await answerSignIn(browser(`192.0.2.${i}`), 'alice', alice.authenticator));
    server.clock.now += 45_000; // the next window: five more challenges, ten alive at once
    for (let i = 5; i < 10; i++) pending.push(await answerSignIn(browser(`192.0.2.${i}`), 'alice', alice.authenticator));
    const replies = [];
    for (const [i, { response }] of pending.entries()) replies.push(await verifySignIn(browser(`192.0.2.${i}`), response));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
    expectRateLimited(replies[5]!, 60);
  });

  it('takes the address the trusted proxy saw, not one the client wrote in front of it', async () => {
    // A proxy appends the peer it saw; whatever the client sent comes first.
    for (let i = 0; i < 8; i++) expect((await signInOptions(browser(`10.9.9.${i}, 203.0.113.50`), `spoof${i}`)).status).toBe(200);
    expectRateLimited(await signInOptions(browser('10.9.9.99, 203.0.113.50'), 'spoof8'), 45);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY is set', async () => {
    const direct = await startTestServer(dialect, { ...LIMITS, TRUST_PROXY: 'false' });
    try {
      direct.clock.now = server.clock.now;
      const answers = [];
      for (let i = 0; i < 9; i++) answers.push((await signInOptions(browser(`198.51.100.${i}`, direct), `rotating${i}`)).status);
      expect(answers).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    } finally {
      await direct.close();
    }
  });

  describe('with two instances on one database', () => {
    let other: TestServer;
    beforeEach(() => {
      other = startSecondInstance(server);
    });
    afterEach(() => other.close());

    it('shares the per-account counter', async () => {
      for (let i = 0; i < 5; i++) {
        const reply = await signInWithPasskey(alice, browser(`198.51.100.${i}`, i % 2 ? other : server));
        expect(reply.status, `sign-in ${i + 1}`).toBe(200);
      }
      expectRateLimited(await signInWithPasskey(alice, browser('198.51.100.7', other)), 45);
      expectRateLimited(await signInWithPasskey(alice, browser('198.51.100.8', server)), 45);
      expect((await signInWithPasskey(bob, browser('198.51.100.9', other))).status).toBe(200);
    });

    it('shares the per-address counter', async () => {
      for (let i = 0; i < 8; i++) expect((await signInOptions(browser('203.0.113.7', i % 2 ? other : server), `guess${i}`)).status).toBe(200);
      expectRateLimited(await signInOptions(browser('203.0.113.7', other), 'guess8'), 45);
      expectRateLimited(await signInOptions(browser('203.0.113.7', server), 'guess9'), 45);
    });

    it('lets exactly the limit through when attempts race on both instances', async () => {
      const perAccount = await Promise.all(
        Array.from({ length: 12 }, (_, i) => signInOptions(browser(`192.0.2.${i}`, i % 2 ? other : server), 'alice')),
      );
      expect(perAccount.filter((r) => r.status === 200)).toHaveLength(5);
      expect(perAccount.filter((r) => r.status === 429)).toHaveLength(7);

      const perAddress = await Promise.all(
        Array.from({ length: 12 }, (_, i) => signInOptions(browser('198.51.100.200', i % 2 ? other : server), `racer${i}`)),
      );
      expect(perAddress.filter((r) => r.status === 200)).toHaveLength(8);
      expect(perAddress.filter((r) => r.status === 429)).toHaveLength(4);
    });

    it('gives the same decoy for an unknown name on either instance', async () => {
      const here = await signInOptions(browser('192.0.2.1', server), 'nobody');
      const there = await signInOptions(browser('192.0.2.2', other), 'nobody');
      expect(there.body.allowCredentials).toEqual(here.body.allowCredentials);
    });
  });
});
