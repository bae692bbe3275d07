import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../../protocol/base64url';
import { createAccount } from '../../../test/helpers/accounts';
import { startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../../test/helpers/harness';
import { currentCode } from '../../../test/helpers/recovery';
import type { RootSecret } from '../crypto';
import { hex } from '../../../test/helpers/fake-argon2';
import { KeyServerError } from '../errors';
import { browserOn } from '../../../test/helpers/recovery-world';
import { createTotpEscrow, finishTotpEnrollment, openTotpEscrow, recoverWithTotp, startTotpEnrollment } from './totp-escrow';

const failureOf = (promise: Promise<unknown>) => promise.then(() => expect.unreachable('it should have failed'), (error: unknown) => error);
const newRootSecret = () => crypto.getRandomValues(new Uint8Array(32)) as RootSecret;

describe('TOTP escrow of S', () => {
  it('wraps S under a random R that opens it again, bound to the user', async () => {
    const secret = newRootSecret();
    const escrow = await createTotpEscrow('user-1', secret);
    expect(escrow.r).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hex(await openTotpEscrow('user-1', escrow.r, escrow.escrowedWrap))).toBe(hex(secret));
    const other = await createTotpEscrow('user-1', secret);
    expect(other.r).not.toBe(escrow.r);
    expect(await failureOf(openTotpEscrow('user-2', escrow.r, escrow.escrowedWrap))).toMatchObject({ code: 'decrypt_failed' });
    expect(await failureOf(openTotpEscrow('user-1', other.r, escrow.escrowedWrap))).toMatchObject({ code: 'decrypt_failed' });
    expect(await failureOf(openTotpEscrow('user-1', 'c2hvcnQ', escrow.escrowedWrap))).toMatchObject({ code: 'malformed_blob' });
    expect(await failureOf(openTotpEscrow('user-1', escrow.r, 'bm90IGEgYmxvYg'))).toMatchObject({ code: 'malformed_blob' });
  });
});

describe('TOTP recovery through the SDK, against a real key server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite', UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  it('enrols only with a valid code, then recovers S on a new device once per code', async () => {
    const user = await createAccount(server, 'totpsdk');
    const secret = newRootSecret();
    const home = browserOn(server, user.client.cookie);
    const enrolment = await startTotpEnrollment(home.keyServer);
    expect(enrolment.otpauthUri).toMatch(/^otpauth:\/\/totp\/Keyhold:totpsdk\?/);
    const finish = (code: string) => finishTotpEnrollment({ server: home.keyServer, userId: user.userId, rootSecret: secret, enrollmentId: enrolment.enrollmentId, code });
    const code = await currentCode(server, enrolment.secret);
    const typo = code === '000000' ? '111111' : '000000';
    expect(await failureOf(finish(typo))).toMatchObject({ serverCode: 'totp_invalid', status: 401 });
    await finish(code);
    server.clock.now += 30_000;
    const next = await currentCode(server, enrolment.secret);
    const phone = browserOn(server).keyServer;
    const recovered = await recoverWithTotp({ server: phone, username: 'totpsdk', code: next });
    expect(hex(recovered.rootSecret)).toBe(hex(secret));
    expect(recovered.session).toMatchObject({ scope: 'recovery', userId: user.userId });
    const replay = await failureOf(recoverWithTotp({ server: browserOn(server).keyServer, username: 'totpsdk', code: next }));
    expect(replay).toBeInstanceOf(KeyServerError);
    expect(replay).toMatchObject({ serverCode: 'totp_replayed' });
    // The server never saw S: R and the wrap went up, S did not.
    for (const spelling of [hex(secret), encodeBase64Url(secret)]) expect(home.bodies.join('\n')).not.toContain(spelling);
  });
});
