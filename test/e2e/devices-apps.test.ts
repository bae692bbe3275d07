import { afterEach, describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { NOTES_APP, NOTES_ORIGIN } from '../helpers/harness';
import { axeViolations, onboardInPage, openSettings, pinRecoveryReady, settingsEntry } from './browser';
import { screenshot, startJourneyRig, testWithPhones } from './journeys';
import { otherAppVault, registerFieldNotes, withFakeIndexedDb } from './other-app-device';

const PIN = '482915';

const rig = startJourneyRig();
const it = testWithPhones(rig);

/** Settings → Data → Activity on `page`: the line of the newest entry that contains `text`. */
const activityLine = (page: Page, text: string) => page.locator('[data-test="activity-event"]').filter({ hasText: text }).first();

describe('the devices of several apps, on a phone', { timeout: 150_000 }, () => {
  const cleanUp: Array<() => void> = [];
  afterEach(() => {
    for (const step of cleanUp.splice(0).reverse()) step();
  });

  it('lists a Field notes device under its app; removing it from Keyhold stops Field notes syncing', async ({ phone }) => {
    const { page } = await phone();
    await onboardInPage(page, 'erin', PIN);
    await expect.poll(() => pinRecoveryReady(page), { timeout: 30_000 }).toBe(true);

    // Field notes joins the same account on another device (the SDK with appId 'fieldnotes', from its own origin).
    await registerFieldNotes(rig.server);
    cleanUp.push(withFakeIndexedDb());
    const { vault: notes, close } = otherAppVault({ appId: NOTES_APP.id, origin: NOTES_ORIGIN, keyServer: rig.server.origin, deviceName: 'Field phone' });
    cleanUp.push(close);
    await notes.start();
    await notes.recovery.withPin('erin', PIN);
    await notes.records.save(null, { kind: 'note', title: 'Trailhead', body: 'cairn by the footbridge', location: { latitude: 46.786, longitude: -121.735 } });
    await notes.sync.now();
    expect(notes.sync.status.failure).toBeNull();

    await openSettings(page, 'Devices & passkeys');
    const fieldNotes = page.getByRole('list', { name: 'Field notes', exact: true });
    await fieldNotes.getByText('Field phone').waitFor();
    const keyhold = page.getByRole('list', { name: 'Keyhold', exact: true });
    expect(await keyhold.getByRole('listitem').count()).toBe(1);
    await keyhold.getByRole('listitem').getByText('This device').waitFor();
    expect(await fieldNotes.getByRole('listitem').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'devices-apps');

    await fieldNotes.getByRole('button', { name: 'Remove Field phone' }).click();
    await page.getByRole('dialog', { name: 'Remove Field phone?' }).getByRole('button', { name: 'Remove Field phone' }).click(); // the virtual authenticator answers the passkey prompt
    await page.getByText('Field phone was removed. It no longer syncs or signs in.').waitFor({ timeout: 30_000 });
    await fieldNotes.getByRole('listitem').filter({ hasText: 'Field phone' }).getByText('Removed', { exact: true }).waitFor();

    await notes.records.save(null, { kind: 'note', title: 'Written after removal', body: 'stays on that device' });
    await notes.sync.now();
    expect(notes.sync.status).toMatchObject({ failure: 'device_revoked', pending: 1 });

    // The activity names the app of the device's registration and removal.
    await page.getByRole('button', { name: 'Back to settings' }).click();
    await settingsEntry(page, 'Data').click();
    const added = activityLine(page, 'Device added: Field phone');
    await added.waitFor({ timeout: 20_000 });
    expect(await added.innerText()).toContain('Field notes');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'activity-apps');
  });
});
