import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../protocol/base64url';
import { createAccount } from '../../test/helpers/accounts';
import { ApiClient, startTestServer, type TestServer } from '../../test/helpers/harness';

/**
 * The otpauth:// URI the app shows must work in any authenticator: Debian's `oathtool` (an
 * independent RFC 6238 implementation) computes codes from it that the server accepts.
 */
describe('TOTP interoperability with oathtool', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(() => server.close());

  const oathtool = (uri: URL, atMs: number) => {
    const period = uri.searchParams.get('period') ?? '30';
    const digits = uri.searchParams.get('digits') ?? '6';
    expect(uri.searchParams.get('algorithm') ?? 'SHA1').toBe('SHA1');
    return execFileSync('oathtool', ['--totp', '--base32', `--time-step-size=${period}s`, `--digits=${digits}`, `--now=@${Math.floor(atMs / 1000)}`, uri.searchParams.get('secret')!], { encoding: 'utf8' }).trim();
  };

  it('enrols and recovers with codes computed by oathtool from the otpauth:// URI', async () => {
    const user = await createAccount(server, 'oathuser');
    const start = await user.client.post('/api/recovery/totp/enroll/start');
    const uri = new URL(start.body.otpauthUri);
    const finish = await user.client.post('/api/recovery/totp/enroll/finish', {
      enrollmentId: start.body.enrollmentId,
      code: oathtool(uri, server.clock.now),
      escrowedWrap: 'd3JhcA',
      r: encodeBase64Url(randomBytes(32)),
    });
    expect(finish.status).toBe(200);

    server.clock.now += 5 * 60_000; // a later time step: a fresh code
    const recovered = await new ApiClient(server).post('/api/recovery/totp/recover', { username: 'oathuser', code: oathtool(uri, server.clock.now) });
    expect(recovered.status).toBe(200);
    expect(recovered.body.session.scope).toBe('recovery');
  });
});
