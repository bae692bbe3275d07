import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../../protocol/base64url';
import { createAccount } from '../../../test/helpers/accounts';
import { startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../../test/helpers/harness';
import { currentCode } from '../../../test/helpers/recovery';
import { withRootSecret, type DeriveArgon2 } from '../crypto';
import { createLocalVault } from '../crypto/local/local-vault';
import { fakeArgon2ForHierarchyTests, hex } from '../../../test/helpers/fake-argon2';
import { KeyServerError } from '../errors';
import { recoverWithPin, registerPinRecovery, type PinRecoveryServer } from './pin-recovery';
import { browserOn, realArgon2 } from '../../../test/helpers/recovery-world';
import { finishTotpEnrollment, recoverWithTotp, startTotpEnrollment } from './totp-escrow';

const PIN = '583920';
const WRONG_PIN = '274615';

const failureOf = (promise: Promise<unknown>) => promise.then(() => expect.unreachable('it should have failed'), (error: unknown) => error);

/** S of a fresh local vault (made with the fast stand-in Argon2: not what these tests are about). */
async function newVault(userId: string) {
  const { unlocked } = await createLocalVault({ userId, pin: PIN, argon2: fakeArgon2ForHierarchyTests });
  const rootSecretHex = await withRootSecret(unlocked.rootSecretAccess, async (secret) => hex(secret));
  return { access: unlocked.rootSecretAccess, rootSecretHex };
}

describe('PIN recovery through the SDK, against a real key server', () => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer('sqlite', UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  async function userWithPinRecovery(argon2: DeriveArgon2) {
    const user = await createAccount(server, `sdkuser${++names}`);
    const vault = await newVault(user.userId);
    const home = browserOn(server, user.client.cookie);
    expect(await registerPinRecovery({ server: home.keyServer, userId: user.userId, pin: PIN, argon2, rootSecret: vault.access })).toMatchObject({ version: 1, guessesLeft: 10 });
    return { user, vault, home };
  }

  it('registers with the real Argon2id (64 MiB, t=3) and recovers S on a new device; a wrong PIN costs a guess', async () => {
    const argon2 = realArgon2();
    const tags: string[] = [];
    const capturing: DeriveArgon2 = async (...args) => {
      const tag = await argon2(...args);
      tags.push(encodeBase64Url(tag), hex(tag));
      return tag;
    };
    const { user, vault, home } = await userWithPinRecovery(capturing);
    const phone = browserOn(server);
    const wrong = await failureOf(recoverWithPin({ server: phone.keyServer, username: user.username, pin: WRONG_PIN, argon2: capturing }));
    expect(wrong).toBeInstanceOf(KeyServerError);
    expect(wrong).toMatchObject({ serverCode: 'pin_recovery_failed', status: 401, details: { guessesLeft: 9 } });
    const recovered = await recoverWithPin({ server: phone.keyServer, username: user.username, pin: PIN, argon2: capturing });
    expect(hex(recovered.rootSecret)).toBe(vault.rootSecretHex);
    expect(recovered).toMatchObject({ userId: user.userId, guessesLeft: 10, session: { scope: 'recovery', userId: user.userId } });
    expect(argon2.runs).toBe(3);
    // The server saw neither the PIN nor an Argon2id output: only blinded elements, tags and a wrap.
    const sent = [...home.bodies, ...phone.bodies].join('\n');
    for (const secret of [PIN, WRONG_PIN, ...tags, vault.rootSecretHex]) expect(sent).not.toContain(secret);
  });

  it('refuses Argon2 costs below the floor offered by a server, before any guess is spent', async () => {
    let starts = 0;
    const downgrading: PinRecoveryServer = {
      pinRecoveryParams: async () => ({ salt: encodeBase64Url(new Uint8Array(16)), argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1, hashLength: 32 }, guessesLeft: 10 }),
      pinRecoveryStart: async () => {
        starts += 1;
        throw new Error('must not be reached');
      },
      pinRecoveryFinish: async () => expect.unreachable(),
      pinRegisterStart: async () => expect.unreachable(),
      pinRegisterFinish: async () => expect.unreachable(),
    };
    const attempt = recoverWithPin({ server: downgrading, username: 'anyone', pin: PIN, argon2: fakeArgon2ForHierarchyTests });
    expect(await failureOf(attempt)).toMatchObject({ code: 'kdf_too_weak' });
    expect(starts).toBe(0);
  });

  it('refuses a PIN the policy refuses, and a wrap the PIN does not open even after a match', async () => {
    const { user, vault, home } = await userWithPinRecovery(fakeArgon2ForHierarchyTests);
    const weak = registerPinRecovery({ server: home.keyServer, userId: user.userId, pin: '1234', argon2: fakeArgon2ForHierarchyTests, rootSecret: vault.access });
    expect(await failureOf(weak)).toMatchObject({ code: 'pin_rejected' });
    const phone = browserOn(server).keyServer;
    const swapping: PinRecoveryServer = {
      pinRecoveryParams: (u) => phone.pinRecoveryParams(u),
      pinRecoveryStart: (u, b) => phone.pinRecoveryStart(u, b),
      pinRegisterStart: (b) => phone.pinRegisterStart(b),
      pinRegisterFinish: (b) => phone.pinRegisterFinish(b),
      pinRecoveryFinish: async (a, t) => {
        const real = await phone.pinRecoveryFinish(a, t);
        return { ...real, wrap: real.wrap.slice(0, -2) + (real.wrap.endsWith('AA') ? 'BA' : 'AA') };
      },
    };
    expect(await failureOf(recoverWithPin({ server: swapping, username: user.username, pin: PIN, argon2: fakeArgon2ForHierarchyTests }))).toMatchObject({ code: 'decrypt_failed' });
  });

  it('after 10 wrong PINs refuses even the right one without running Argon2id; TOTP and a new PIN restore it', async () => {
    const { user, vault, home } = await userWithPinRecovery(fakeArgon2ForHierarchyTests);
    const enrolment = await startTotpEnrollment(home.keyServer);
    const code = await currentCode(server, enrolment.secret);
    await finishTotpEnrollment({ server: home.keyServer, userId: user.userId, rootSecret: vault.access, enrollmentId: enrolment.enrollmentId, code });
    const thief = browserOn(server).keyServer;
    for (let left = 9; left >= 0; left--) {
      const failure = await failureOf(recoverWithPin({ server: thief, username: user.username, pin: WRONG_PIN, argon2: fakeArgon2ForHierarchyTests }));
      expect(failure).toMatchObject({ serverCode: left > 0 ? 'pin_recovery_failed' : 'pin_recovery_locked', details: { guessesLeft: left } });
    }
    const counting = Object.assign(async (...args: Parameters<DeriveArgon2>) => {
      counting.runs += 1;
      return fakeArgon2ForHierarchyTests(...args);
    }, { runs: 0 });
    const owner = browserOn(server);
    expect(await failureOf(recoverWithPin({ server: owner.keyServer, username: user.username, pin: PIN, argon2: counting }))).toMatchObject({ serverCode: 'pin_recovery_locked', status: 423 });
    expect(counting.runs).toBe(0);
    // Another route: TOTP. Then the app requires a new PIN, which registers PIN recovery again.
    server.clock.now += 30_000;
    const viaTotp = await recoverWithTotp({ server: owner.keyServer, username: user.username, code: await currentCode(server, enrolment.secret) });
    expect(hex(viaTotp.rootSecret)).toBe(vault.rootSecretHex);
    const NEW_PIN = '906142';
    await registerPinRecovery({ server: owner.keyServer, userId: user.userId, pin: NEW_PIN, argon2: fakeArgon2ForHierarchyTests, rootSecret: viaTotp.rootSecret });
    const again = await recoverWithPin({ server: browserOn(server).keyServer, username: user.username, pin: NEW_PIN, argon2: fakeArgon2ForHierarchyTests });
    expect(hex(again.rootSecret)).toBe(vault.rootSecretHex);
  });
});
