import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deviceKeyToLogKey } from '../../../protocol/account-log';
import { DEVICE_APPROVAL_POLL_MS, DEVICE_APPROVAL_TTL_MS } from '../../../protocol/constants';
import { createApprovalKeyPair, openApprovalAnswer } from '../crypto/device-approval';
import { APPROVALS_CHANGED } from '../state';
import type { Vault } from '../vault';
import { ManualClock, OTHER_PIN, PIN, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';
import { approvalPhrase } from './approval-phrase';

/**
 * A phone with the vault approves a new tablet. The tablet runs on a clock of its own, so the
 * only timer it holds while waiting is its next poll: each test fires exactly that one.
 */
describe('Vault: approving a new device from another', () => {
  let world: VaultWorld;
  let phone: Vault;
  let tablet: Vault;
  let tabletClock: ManualClock;

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    await phone.account.pinRecoverySettled();
    tabletClock = new ManualClock();
    tablet = world.otherDevice('New tablet').vault({ now: () => tabletClock.now, setTimer: tabletClock.setTimer, clearTimer: tabletClock.clearTimer });
    await tablet.start();
  });
  afterEach(() => world.close());

  /** Starts the tablet's request; resolves its phrase once asked, and the whole recovery as `done`. */
  function askToJoin(signal?: AbortSignal) {
    let phrase!: (words: string[]) => void;
    const shown = new Promise<string[]>((resolve) => (phrase = resolve));
    const done = tablet.recovery.withApproval('alice', OTHER_PIN, OTHER_PIN, { onPhrase: phrase, ...(signal ? { signal } : {}) });
    done.catch(() => {});
    return { shown, done };
  }
  /** Fires the tablet's next poll once it is waiting for it. */
  async function nextPoll(ms = DEVICE_APPROVAL_POLL_MS) {
    await expect.poll(() => tabletClock.pendingTimers).toBe(1);
    tabletClock.advance(ms);
  }

  it('shows the same phrase on both devices; once approved the tablet opens the vault with its own PIN and both devices are listed', async () => {
    const note = await phone.records.save(null, { kind: 'note', title: 'Alarm code', body: '4411' });
    await phone.sync.now();
    let announced = 0;
    phone.addEventListener(APPROVALS_CHANGED, () => announced++);
    const { shown, done } = askToJoin();
    const words = await shown;
    expect(words).toHaveLength(5);

    const [request] = await phone.approvals.pending();
    expect(request).toMatchObject({ deviceName: 'New tablet', phrase: words });
    expect(announced).toBe(1);
    await phone.approvals.approve(request!.id);
    expect(phone.approvals.requests).toEqual([]);
    await nextPoll();
    await done;

    expect(tablet.state.kind).toBe('unlocked');
    await tablet.sync.now();
    expect(await tablet.records.read(note)).toMatchObject({ title: 'Alarm code', body: '4411' });
    expect((await phone.devices.list()).map((d) => d.name)).toEqual(['Test phone', 'New tablet']);
    tablet.lock('button');
    await tablet.unlockWithPin(OTHER_PIN);
    expect(tablet.state.kind).toBe('unlocked');
  });

  it('finds a waiting request with the sync run of an open vault and announces it', async () => {
    let announced = 0;
    phone.addEventListener(APPROVALS_CHANGED, () => announced++);
    const { shown } = askToJoin();
    const words = await shown;
    await phone.sync.now();
    await expect.poll(() => phone.approvals.requests.length).toBe(1);
    expect(phone.approvals.requests[0]!.phrase).toEqual(words);
    expect(announced).toBe(1);
  });

  it('tells the tablet when the phone denies it, and keeps no vault there', async () => {
    const { shown, done } = askToJoin();
    await shown;
    const [request] = await phone.approvals.pending();
    await phone.approvals.deny(request!.id);
    await nextPoll();
    expect(await failureOf(done)).toMatchObject({ code: 'approval_denied' });
    expect(tablet.state.kind).toBe('welcome');
    expect(await world.server.store.db.selectFrom('sessions').select('scope').where('scope', '=', 'recovery').execute()).toEqual([]);
  });

  it('gives up when the server says the request expired, and when its own ten minutes are over', async () => {
    const first = askToJoin();
    await first.shown;
    await expect.poll(() => tabletClock.pendingTimers).toBe(1);
    world.server.clock.now += DEVICE_APPROVAL_TTL_MS;
    tabletClock.advance(DEVICE_APPROVAL_POLL_MS);
    expect(await failureOf(first.done)).toMatchObject({ code: 'approval_expired' });
    await expect(phone.approvals.pending()).resolves.toEqual([]);

    // The server's clock lags: the tablet's own deadline still ends the wait.
    const second = askToJoin();
    await second.shown;
    await nextPoll(DEVICE_APPROVAL_TTL_MS);
    expect(await failureOf(second.done)).toMatchObject({ code: 'approval_expired' });
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const { shown, done } = askToJoin(controller.signal);
    await shown;
    await expect.poll(() => tabletClock.pendingTimers).toBe(1);
    controller.abort();
    await expect(done).rejects.toMatchObject({ name: 'AbortError' });
    expect(tabletClock.pendingTimers).toBe(0);
  });

  it('asks for a recent confirmation before approving', async () => {
    const { shown } = askToJoin();
    await shown;
    const [request] = await phone.approvals.pending();
    world.clock.jump(phone.settings.current.repromptMinutes * 60_000 + 1);
    expect(await failureOf(phone.approvals.approve(request!.id))).toMatchObject({ code: 'reprompt_required' });
    await phone.reprompt.withPin(PIN);
    await phone.approvals.approve(request!.id);
  });

  it('shows a different phrase when the server swaps the tablet\'s key, and what the phone then seals opens only for the key it was sealed to', async () => {
    const { shown, done } = askToJoin();
    const tabletWords = await shown;
    const attacker = await createApprovalKeyPair();
    await world.server.store.db.updateTable('device_approvals').set({ public_key: attacker.publicKey }).execute();

    const [request] = await phone.approvals.pending();
    expect(request!.phrase).not.toEqual(tabletWords);
    const { device_key } = await world.server.store.db.selectFrom('device_approvals').select('device_key').executeTakeFirstOrThrow();
    expect(request!.phrase).toEqual(await approvalPhrase(attacker.publicKey, deviceKeyToLogKey(JSON.parse(device_key!) as { x: string; y: string })));

    // An owner who approves anyway (not comparing the words) seals S to the attacker's key only.
    await phone.approvals.approve(request!.id);
    const row = await world.server.store.db.selectFrom('device_approvals').selectAll().executeTakeFirstOrThrow();
    const answer = { publicKey: row.approver_public_key!, ciphertext: row.sealed! };
    const binding = { userId: row.user_id!, requestId: row.id };
    await expect(openApprovalAnswer(attacker.privateKey, answer, binding)).resolves.toHaveLength(32);
    const stranger = await createApprovalKeyPair();
    await expect(openApprovalAnswer(stranger.privateKey, answer, binding)).rejects.toMatchObject({ code: 'decrypt_failed' });
    await nextPoll();
    expect(await failureOf(done)).toMatchObject({ code: 'decrypt_failed' });
    expect(tablet.state.kind).toBe('welcome');
  });
});
