import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_APP_ID, DEVICE_APPROVAL_POLL_MS } from '../../../protocol/constants';
import { addNotesApp, NOTES_APP, NOTES_ORIGIN } from '../../../test/helpers/harness';
import { ManualClock, OTHER_PIN, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';
import type { NoteContent } from '../state';
import type { Vault } from '../vault';

/**
 * Approval across apps (issue 17): a Field notes device (its own origin, `appId: 'fieldnotes'`)
 * asks to join, and the Keyhold phone approves it. The phone signs the new key into the account log
 * for Field notes — the app the key server says the request came from — so the new device registers,
 * signs in and syncs under Field notes. The Field notes device runs on a clock of its own, so the
 * only timer it holds while waiting is its next poll.
 */
describe('Vault: approving a device of another app', () => {
  let world: VaultWorld;
  let phone: Vault;
  let notes: Vault;
  let notesClock: ManualClock;

  const campsite: NoteContent = { kind: 'note', title: 'Campsite', body: 'flat spot past the second creek', location: { latitude: 47.5, longitude: -121.4 } };

  beforeEach(async () => {
    world = await startVaultWorld();
    await addNotesApp(world.server);
    phone = await onboard(world);
    await phone.account.pinRecoverySettled();
    notesClock = new ManualClock();
    notes = world.otherDevice('Field phone', { origin: NOTES_ORIGIN }).vault({ appId: NOTES_APP.id, now: () => notesClock.now, setTimer: notesClock.setTimer, clearTimer: notesClock.clearTimer });
    await notes.start();
  });
  afterEach(() => world.close());

  /** The Field notes device asks to join; resolves once the Keyhold phone approved and the device collected the answer. */
  async function joinByApproval(): Promise<void> {
    let phrase!: (words: string[]) => void;
    const shown = new Promise<string[]>((resolve) => (phrase = resolve));
    const done = notes.recovery.withApproval('alice', OTHER_PIN, OTHER_PIN, { onPhrase: phrase });
    done.catch(() => {});
    const words = await shown;
    const [request] = await phone.approvals.pending();
    expect(request).toMatchObject({ deviceName: 'Field phone', phrase: words, app: { id: NOTES_APP.id, name: NOTES_APP.name } });
    await phone.approvals.approve(request!.id);
    await expect.poll(() => notesClock.pendingTimers).toBe(1);
    notesClock.advance(DEVICE_APPROVAL_POLL_MS);
    await done;
  }

  it('lets the Keyhold phone approve a Field notes device, which registers under Field notes, signed into the log, and syncs its own notes', async () => {
    await joinByApproval();
    expect(notes.state.kind).toBe('unlocked');

    const listed = await phone.devices.list();
    expect(listed.map((d) => [d.name, d.app.id, d.inLog])).toEqual([
      ['Test phone', DEFAULT_APP_ID, true],
      ['Field phone', NOTES_APP.id, true],
    ]);
    expect(phone.accountLog.status.warnings).toEqual([]);

    // Writing needs a device sign-in (the approval's recovery session may not write): it is Field notes'.
    const id = await notes.records.save(null, campsite);
    await notes.sync.now();
    expect(notes.sync.status).toMatchObject({ failure: null, pending: 0 });
    notes.lock('button');
    await notes.unlockWithPin(OTHER_PIN);
    await notes.sync.now();
    expect(notes.sync.status.failure).toBeNull();
    expect(await notes.records.read(id)).toEqual(campsite);

    // The note stays in Field notes' space: Keyhold's feed does not carry it.
    await phone.sync.now();
    expect(await phone.records.list()).toEqual([]);
  });

  it('shows Keyhold\'s own requests as Keyhold\'s', async () => {
    const tablet = world.otherDevice('New tablet').vault();
    await tablet.start();
    const controller = new AbortController();
    let asked!: () => void;
    const shown = new Promise<void>((resolve) => (asked = resolve));
    const asking = tablet.recovery.withApproval('alice', OTHER_PIN, OTHER_PIN, { onPhrase: () => asked(), signal: controller.signal });
    asking.catch(() => {});
    await shown;
    expect((await phone.approvals.pending()).map((r) => [r.deviceName, r.app])).toEqual([['New tablet', { id: DEFAULT_APP_ID, name: 'Keyhold' }]]);
    controller.abort();
    await expect(asking).rejects.toMatchObject({ name: 'AbortError' });
  });
});
