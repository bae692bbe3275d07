import { describe, expect, it } from 'vitest';
import { EMPTY_LOG_STATE, applyLogEntries, type LogChange } from '../../../protocol/account-log';
import { encodeBase64Url } from '../../../protocol/base64url';
import { ACCOUNT_LOG_MAX_CHANGES } from '../../../protocol/constants';
import { changeNeeded, signedEntries } from './append-log';
import { createIdentityKey } from './identity-key';
import { memoryMirror } from './log-mirror';
import type { LogContext } from './pull-log';

const USER = 'user-1';
const digest = (fill: number) => encodeBase64Url(new Uint8Array(32).fill(fill));
const deviceKey = (fill: number) => encodeBase64Url(Uint8Array.from([4, ...new Array<number>(64).fill(fill)]));

/** A context that signs only: nothing here may reach a server. */
async function signer(identity?: Awaited<ReturnType<typeof createIdentityKey>>): Promise<LogContext> {
  return {
    server: undefined as never,
    userId: USER,
    mirror: memoryMirror(USER),
    identity: identity ?? (await createIdentityKey()),
    trustsIdentity: async () => true,
    now: () => 1_900_000_000_000,
    call: () => Promise.reject(new Error('no server in this test')),
  };
}

describe('signing changes into the account log', () => {
  it('opens an empty log with a genesis naming the identity key, signed by it, which the rules accept', async () => {
    const ctx = await signer();
    const entries = await signedEntries(ctx, EMPTY_LOG_STATE, [{ op: 'device.add', key: deviceKey(1), app: 'keyhold' }]);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.changes[0]).toEqual({ op: 'identity', key: ctx.identity!.publicKey });
    const state = applyLogEntries(USER, EMPTY_LOG_STATE, entries);
    expect(state).toMatchObject({ seq: 1, identityKey: ctx.identity!.publicKey });
    expect(Object.keys(state.devices)).toEqual([deviceKey(1)]);
  });

  it('splits more changes than one entry may carry over entries that chain, and the rules accept them all', async () => {
    const ctx = await signer();
    const changes: LogChange[] = Array.from({ length: ACCOUNT_LOG_MAX_CHANGES + 10 }, (_, i) => ({ op: 'device.add', key: deviceKey(i + 1), app: 'keyhold' }));
    const entries = await signedEntries(ctx, EMPTY_LOG_STATE, changes);
    expect(entries.map((e) => e.changes.length)).toEqual([ACCOUNT_LOG_MAX_CHANGES, 11]);
    expect(Object.keys(applyLogEntries(USER, EMPTY_LOG_STATE, entries).devices)).toHaveLength(ACCOUNT_LOG_MAX_CHANGES + 10);
  });

  it('refuses to sign on a log under another identity key, or with none: account_log_unverified', async () => {
    const owner = await signer();
    const state = applyLogEntries(USER, EMPTY_LOG_STATE, await signedEntries(owner, EMPTY_LOG_STATE, []));
    const stranger = await signer();
    await expect(signedEntries(stranger, state, [{ op: 'kit.remove' }])).rejects.toMatchObject({ code: 'account_log_unverified' });
    await expect(signedEntries({ ...stranger, identity: undefined }, state, [{ op: 'kit.remove' }])).rejects.toMatchObject({ code: 'account_log_unverified' });
  });

  it('leaves out what the verified log already says', async () => {
    const ctx = await signer();
    const state = applyLogEntries(
      USER,
      EMPTY_LOG_STATE,
      await signedEntries(ctx, EMPTY_LOG_STATE, [
        { op: 'device.add', key: deviceKey(1), app: 'keyhold' },
        { op: 'kit.set', id: digest(1) },
      ]),
    );
    expect(changeNeeded(state, { op: 'device.add', key: deviceKey(1), app: 'keyhold' })).toBe(false);
    expect(changeNeeded(state, { op: 'device.add', key: deviceKey(2), app: 'keyhold' })).toBe(true);
    expect(changeNeeded(state, { op: 'device.remove', key: deviceKey(2) })).toBe(false);
    expect(changeNeeded(state, { op: 'kit.set', id: digest(1) })).toBe(false);
    expect(changeNeeded(state, { op: 'kit.set', id: digest(2) })).toBe(true);
    expect(changeNeeded(state, { op: 'totp.remove' })).toBe(false);
    expect(changeNeeded(state, { op: 'kit.remove' })).toBe(true);
  });
});
