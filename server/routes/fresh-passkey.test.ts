/**
 * The fresh-passkey rule (server/http/middleware.ts `requireFreshPasskey`): removing a device or a
 * passkey needs a passkey sign-in made at most FRESH_PASSKEY_SECONDS ago. An unlocked phone left
 * on a table (a device session), a recovery session, or a passkey session from this morning is
 * not enough; the refusal is 401 `reauth_required`, and nothing is removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRESH_PASSKEY_SECONDS } from '../../protocol/constants';
import { addPasskey, createAccount, deviceSignIn, registerDevice, signInWithPasskey, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, type ApiReply, DIALECTS, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { pinInput, recoverPin, registerPinRecovery } from '../../test/helpers/recovery';

const FRESH_MS = FRESH_PASSKEY_SECONDS * 1000;

describe.each(DIALECTS)('removals need a fresh passkey sign-in (%s)', (dialect) => {
  let server: TestServer;
  let n = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  /** An account with a second passkey and a registered device, signed in with a passkey just now. */
  async function accountWithSpares(): Promise<TestUser & Awaited<ReturnType<typeof registerDevice>> & { secondPasskey: string }> {
    const user = await createAccount(server, `fresh${++n}`);
    const { reply } = await addPasskey(user, 'Backup key');
    // Registered from the phone's own session (bound to it), so removing it leaves `user.client` signed in.
    const phone = new ApiClient(server);
    await signInWithPasskey(user, phone);
    const device = await registerDevice({ ...user, client: phone }, 'Old phone');
    return { ...user, ...device, secondPasskey: reply.body.passkey.id as string };
  }

  const listed = async (user: TestUser) => ({
    devices: ((await user.client.get('/api/devices')).body.devices as Array<{ id: string; revokedAt: number | null }>).map((d) => [d.id, d.revokedAt]),
    passkeys: ((await user.client.get('/api/passkeys')).body.passkeys as Array<{ id: string }>).map((p) => p.id),
  });

  function expectReauth(reply: ApiReply): void {
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('reauth_required');
  }

  it('removes a device and a passkey with a passkey sign-in made up to five minutes ago', async () => {
    const user = await accountWithSpares();
    server.clock.now += FRESH_MS;
    expect((await user.client.delete(`/api/devices/${user.deviceId}`)).status).toBe(200);
    expect((await user.client.delete(`/api/passkeys/${user.secondPasskey}`)).status).toBe(200);
    const after = await listed(user);
    expect(after.devices).toEqual([[user.deviceId, server.clock.now]]);
    expect(after.passkeys).toEqual([user.credentialId]);
  });

  it('refuses an older passkey session with reauth_required, removes nothing, and a new sign-in is enough', async () => {
    const user = await accountWithSpares();
    const before = await listed(user);
    server.clock.now += FRESH_MS + 1;
    expectReauth(await user.client.delete(`/api/devices/${user.deviceId}`));
    expectReauth(await user.client.delete(`/api/passkeys/${user.secondPasskey}`));
    expect(await listed(user)).toEqual(before);
    // The old session still reads and renames: only removals need the fresh sign-in.
    expect((await user.client.patch(`/api/devices/${user.deviceId}`, { name: 'Lost phone' })).status).toBe(200);

    expect((await signInWithPasskey(user)).status).toBe(200);
    expect((await user.client.delete(`/api/devices/${user.deviceId}`)).status).toBe(200);
    expect((await user.client.delete(`/api/passkeys/${user.secondPasskey}`)).status).toBe(200);
  });

  it('refuses a device session and a recovery session with reauth_required, and no session with unauthenticated', async () => {
    const user = await accountWithSpares();
    await registerPinRecovery(user.client, pinInput(user.username));
    const recovered = new ApiClient(server);
    expect((await recoverPin(recovered, user.username, pinInput(user.username))).finish?.status).toBe(200);
    const { client: phone } = await deviceSignIn(server, user.deviceId, user.privateKey);
    const before = await listed(user);
    for (const client of [phone, recovered]) {
      expectReauth(await client.delete(`/api/devices/${user.deviceId}`));
      expectReauth(await client.delete(`/api/passkeys/${user.secondPasskey}`));
    }
    const anonymous = new ApiClient(server);
    for (const path of [`/api/devices/${user.deviceId}`, `/api/passkeys/${user.secondPasskey}`]) {
      const reply = await anonymous.delete(path);
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe('unauthenticated');
    }
    expect(await listed(user)).toEqual(before);
  });

  it('counts from the passkey sign-in, not from the last request: using the session keeps it alive but not fresh', async () => {
    const user = await accountWithSpares();
    for (let minute = 1; minute <= 6; minute++) {
      server.clock.now += 60_000;
      expect((await user.client.get('/api/devices')).status).toBe(200);
    }
    expectReauth(await user.client.delete(`/api/devices/${user.deviceId}`));
  });
});
