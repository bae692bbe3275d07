import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, signInWithPasskey } from '../../test/helpers/accounts';
import { DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';

describe.each(DIALECTS)('passkey accounts (%s)', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('creates an account with a passkey and signs in again', async () => {
    const user = await createAccount(server, 'alice');
    expect((await user.client.get('/api/session')).body).toMatchObject({ username: 'alice', scope: 'passkey' });
    user.client.cookie = undefined;
    const signedIn = await signInWithPasskey(user);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.session.username).toBe('alice');
  });
});
