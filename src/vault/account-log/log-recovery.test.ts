import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deviceKeyToLogKey } from '../../../protocol/account-log';
import { DEVICE_APPROVAL_POLL_MS } from '../../../protocol/constants';
import type { Vault } from '../vault';
import { serverLog, userIdOf } from '../../../test/helpers/log-tamper';
import { ManualClock, OTHER_PIN, PIN, onboard, startVaultWorld, type OtherDevice, type VaultWorld } from '../../../test/helpers/vault-world';

/** A device joining the account is in the log before the server registers it: signed by itself, or by the device that approved it. */
describe('Vault: a joining device in the account log', () => {
  let world: VaultWorld;
  let phone: Vault;
  let userId: string;

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    await phone.account.pinRecoverySettled();
    userId = await userIdOf(world.server, 'alice');
  });
  afterEach(() => world.close());

  /** The log key of the device the server registered under `name`. */
  const registeredKey = async (name: string) => {
    const row = await world.server.store.db.selectFrom('devices').select('public_key_jwk').where('name', '=', name).executeTakeFirstOrThrow();
    return deviceKeyToLogKey(JSON.parse(row.public_key_jwk) as { x: string; y: string });
  };
  const joinRequests = (device: OtherDevice) => device.network.requests.filter((r) => r === 'POST /api/account/log' || r === 'POST /api/devices');

  it.each([
    ['PIN', (v: Vault) => v.recovery.withPin('alice', PIN)],
    ['passkey', (v: Vault) => v.recovery.withPasskey('alice', OTHER_PIN, OTHER_PIN)],
  ])('recovered by %s: signs its own key with the recovered bundle\'s identity key, then registers it', async (_route, recover) => {
    const tabletDevice = world.otherDevice('Tablet');
    const tablet = tabletDevice.vault();
    await tablet.start();
    await recover(tablet);
    expect(joinRequests(tabletDevice).slice(0, 2)).toEqual(['POST /api/account/log', 'POST /api/devices']);
    const added = (await serverLog(world.server, userId)).flatMap((e) => e.changes).filter((c) => c.op === 'device.add');
    expect(added.at(-1)).toEqual({ op: 'device.add', key: await registeredKey('Tablet'), app: 'keyhold' });
    await tablet.sync.now();
    expect(tablet.accountLog.status).toMatchObject({ state: 'verified', warnings: [] });
    expect((await phone.devices.list()).map((d) => [d.name, d.inLog])).toEqual([
      ['Test phone', true],
      ['Tablet', true],
    ]);
  });

  it('approved from another device: the approver signs the key whose phrase it showed; the new device registers that key and signs nothing itself', async () => {
    const tabletClock = new ManualClock();
    const tabletDevice = world.otherDevice('New tablet');
    const tablet = tabletDevice.vault({ now: () => tabletClock.now, setTimer: tabletClock.setTimer, clearTimer: tabletClock.clearTimer });
    await tablet.start();
    let shown!: (words: string[]) => void;
    const words = new Promise<string[]>((resolve) => (shown = resolve));
    const done = tablet.recovery.withApproval('alice', OTHER_PIN, OTHER_PIN, { onPhrase: shown });
    done.catch(() => {});
    const phrase = await words;
    const [request] = await phone.approvals.pending();
    expect(request!.phrase).toEqual(phrase);
    const before = (await serverLog(world.server, userId)).length;
    await phone.approvals.approve(request!.id);

    const signed = (await serverLog(world.server, userId)).slice(before);
    expect(signed.map((e) => e.changes)).toEqual([[{ op: 'device.add', key: expect.any(String), app: 'keyhold' }]]);
    await expect.poll(() => tabletClock.pendingTimers).toBe(1);
    tabletClock.advance(DEVICE_APPROVAL_POLL_MS);
    await done;
    expect((signed[0]!.changes[0] as { key: string }).key).toBe(await registeredKey('New tablet'));
    expect(joinRequests(tabletDevice)).toEqual(['POST /api/devices']);
    await tablet.sync.now();
    expect(tablet.accountLog.status).toMatchObject({ state: 'verified', warnings: [] });
  });
});
