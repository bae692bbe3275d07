import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { controlledByServiceWorker, queuedWrites } from './background-sync';
import { addVirtualAuthenticator, axeViolations, onboardInPage, openPhone, openSettings, pinRecoveryReady, setOffline } from './browser';
import { enrolAuthenticatorApp, totpCode } from './authenticator-app';
import { apiFrom, recordRows, startFieldNotes } from './field-notes-rig';
import { screenshot, startJourneyRig } from './journeys';

/**
 * Issue 17's two-origin journey: Keyhold (the key server's own origin) and the Field notes example
 * (another port of localhost: the same site, as two subdomains would be) share one account and one
 * passkey, each with its own device key, session and records.
 */
const PIN = '482915';
const NOTES_PIN = '730461';
const USERNAME = 'mara';

const hook = (page: Page, name: string) => page.locator(`[data-test="${name}"]`);

const rig = startJourneyRig();
const notes = startFieldNotes(rig);

/**
 * The journey, in one phone (one tab, one virtual PRF authenticator): Keyhold makes the account,
 * Field notes gets in with its passkey, writes a note offline and syncs it, neither app reaches the
 * other's records, and Keyhold removes Field notes' device.
 */
async function fieldNotesJourney(context: BrowserContext, page: Page): Promise<void> {
  const keyServer = rig.server.origin;
  const authenticator = await addVirtualAuthenticator(page, { prf: true });

  // Keyhold: an account, a passkey with PRF, and one record.
  await onboardInPage(page, USERNAME, PIN);
  await hook(page, 'new-note').click();
  await hook(page, 'record-title').fill('Door code');
  await hook(page, 'record-body').fill('4711');
  await hook(page, 'record-save').click();
  await expect.poll(() => hook(page, 'record').count()).toBe(1);
  await expect.poll(() => hook(page, 'unsynced').count()).toBe(0);
  const keyholdChanges = await apiFrom(page, keyServer, 'GET', '/records/changes?after=0');
  expect(keyholdChanges.body.changes).toHaveLength(1);
  const keyholdRecord = keyholdChanges.body.changes[0] as { id: string; version: number };

  // Field notes in the same tab: the browser sends Keyhold's session cookie along, but it is not Field notes' session.
  await page.goto(notes.origin);
  await page.getByRole('heading', { level: 1, name: 'Field notes' }).waitFor();
  expect(await apiFrom(page, keyServer, 'GET', '/records/changes?after=0')).toMatchObject({ status: 401, body: { error: { code: expect.any(String) } } });
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'field-notes-sign-in');

  let passkeyTaps = 0;
  authenticator.cdp.on('WebAuthn.credentialAsserted', () => passkeyTaps++);
  await page.getByLabel('Keyhold username').fill(USERNAME);
  await page.getByLabel('Choose a PIN for Field notes').fill(NOTES_PIN);
  await page.getByLabel('Enter that PIN again').fill(NOTES_PIN);
  await page.getByRole('button', { name: 'Sign in with your passkey' }).click();
  await page.getByRole('button', { name: 'New note' }).waitFor({ timeout: 60_000 });
  expect(passkeyTaps).toBe(1);
  await expect.poll(() => page.getByRole('status').textContent()).toBe('All notes synced.');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'field-notes-list');

  // A note written offline, with the place it was written.
  await controlledByServiceWorker(page);
  await context.grantPermissions(['geolocation'], { origin: notes.origin });
  await context.setGeolocation({ latitude: 46.5197, longitude: 6.6323, accuracy: 12 });
  await setOffline(context, true);
  await page.getByRole('button', { name: 'New note' }).click();
  await page.getByLabel('Title').fill('Marmot burrow');
  await page.getByLabel('Note').fill('Three entrances under the larch, facing south.');
  await page.getByRole('button', { name: 'Add my location' }).click();
  await page.getByText('46.51970, 6.63230 (± 12 m)').waitFor();
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'field-notes-editor');
  await page.getByRole('button', { name: 'Save note' }).click();
  await page.getByRole('button', { name: /^Marmot burrow .* not synced yet$/ }).waitFor();
  await expect.poll(() => queuedWrites(page)).toBe(1);
  await expect.poll(() => page.getByRole('status').textContent()).toBe('Offline: 1 note waits to sync.');
  await screenshot(page, 'field-notes-offline');

  // Back online it syncs, into Field notes' records only.
  await setOffline(context, false);
  // The emulated network comes back in steps (the page's sessions, the service worker), and the
  // page may hear `online` while its own requests still fail: say it again once all are back.
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await expect.poll(() => page.getByRole('status').textContent()).toBe('All notes synced.');
  await expect.poll(() => queuedWrites(page)).toBe(0);
  const notesChanges = await apiFrom(page, keyServer, 'GET', '/records/changes?after=0');
  expect(notesChanges.status).toBe(200);
  const noteIds = (notesChanges.body.changes as Array<{ id: string }>).map((change) => change.id);
  expect(noteIds).toHaveLength(1);
  expect(noteIds).not.toContain(keyholdRecord.id);
  const noteId = noteIds[0]!;
  expect(recordRows(rig.server.databaseFile, noteId)).toEqual([{ app_id: 'fieldnotes', deleted: 0 }]);
  await page.getByRole('button', { name: /^Marmot burrow/ }).click();
  await expect.poll(() => page.getByText('46.51970, 6.63230 (± 12 m)').count()).toBe(1);
  await page.getByRole('button', { name: 'Back to notes' }).click();

  // Field notes cannot overwrite Keyhold's record: in its own records that id does not exist.
  const overwrite = await apiFrom(page, keyServer, 'PUT', `/records/${keyholdRecord.id}`, { expectedVersion: keyholdRecord.version, deleted: true, v: 1, wrappedDek: null, ciphertext: null });
  expect(overwrite.status).toBe(409);
  expect(overwrite.body).toMatchObject({ error: { code: 'stale_version', current: null } });

  // Keyhold: its record untouched, Field notes' note out of its sight, Field notes among the devices.
  await page.goto(keyServer);
  await hook(page, 'pin').fill(PIN);
  await hook(page, 'unlock').click();
  await hook(page, 'new-note').waitFor({ timeout: 30_000 });
  const keyholdAfter = await apiFrom(page, keyServer, 'GET', '/records/changes?after=0');
  expect(keyholdAfter.body.changes).toEqual([expect.objectContaining({ id: keyholdRecord.id, version: keyholdRecord.version, deleted: false })]);
  const noteOverwrite = await apiFrom(page, keyServer, 'PUT', `/records/${noteId}`, { expectedVersion: 1, deleted: true, v: 1, wrappedDek: null, ciphertext: null });
  expect(noteOverwrite).toMatchObject({ status: 409, body: { error: { code: 'stale_version', current: null } } });
  expect(recordRows(rig.server.databaseFile, noteId)).toEqual([{ app_id: 'fieldnotes', deleted: 0 }]);
  await openSettings(page, 'Devices & passkeys');
  await page.getByText('Field notes', { exact: true }).first().waitFor();
  await screenshot(page, 'keyhold-devices-with-field-notes');
  // Field notes' device is listed under its app's name (its own name is the browser's, as Keyhold's is).
  const notesDevices = page.getByRole('list', { name: 'Field notes' });
  const removeNotes = notesDevices.getByRole('button', { name: /^Remove / });
  const deviceName = ((await removeNotes.getAttribute('aria-label')) ?? '').replace(/^Remove /, '');
  await removeNotes.click();
  await page.getByRole('dialog', { name: `Remove ${deviceName}?` }).getByRole('button', { name: `Remove ${deviceName}` }).click();
  await notesDevices.getByRole('listitem').filter({ hasText: deviceName }).getByText('Removed', { exact: true }).waitFor();
  expect(await page.getByRole('list', { name: 'Keyhold' }).getByText('Removed', { exact: true }).count()).toBe(0);

  // Field notes: its PIN still opens the notes on this device, but its sync has stopped.
  await page.goto(notes.origin);
  await page.getByLabel('Your Field notes PIN').waitFor();
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'field-notes-locked');
  await page.getByLabel('Your Field notes PIN').fill(NOTES_PIN);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('heading', { name: 'This device was removed' }).waitFor({ timeout: 30_000 });
  expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(0);
  await expect.poll(() => page.getByRole('button', { name: /^Marmot burrow/ }).count()).toBe(1);
  expect(await apiFrom(page, keyServer, 'GET', '/records/changes?after=0')).toMatchObject({ status: 401 });
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'field-notes-revoked');
}

describe('Field notes beside Keyhold', () => {
  // One journey, as a person goes through it: each step needs the one before (a long test on a busy machine).
  it('gets in with the Keyhold passkey in one tap, works offline, syncs into its own records, and stops when Keyhold removes it', { timeout: 240_000 }, async () => {
    const { context, page, problems } = await openPhone(rig.browser, rig.server.origin);
    try {
      await fieldNotesJourney(context, page);
      // Besides the refusals the journey asks for, the one write sent offline (then queued by the
      // service worker) is logged as a failed load — ERR_FAILED from the service worker, or
      // ERR_INTERNET_DISCONNECTED when the page's request fails first; anything else is a problem.
      expect(problems.filter((p) => !/status of 4\d\d|Failed to load resource: net::(ERR_FAILED|ERR_INTERNET_DISCONNECTED)/.test(p))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('without a PRF passkey, gets in with the Keyhold PIN and keeps it as its own', { timeout: 120_000 }, async () => {
    const { context, page, problems } = await openPhone(rig.browser, rig.server.origin);
    try {
      await addVirtualAuthenticator(page, { prf: false });
      await onboardInPage(page, 'tomas', PIN);
      await expect.poll(() => pinRecoveryReady(page), { timeout: 30_000 }).toBe(true);

      await page.goto(notes.origin);
      await page.getByLabel('Keyhold username').fill('tomas');
      await page.getByLabel('Choose a PIN for Field notes').fill(NOTES_PIN);
      await page.getByLabel('Enter that PIN again').fill(NOTES_PIN);
      await page.getByRole('button', { name: 'Sign in with your passkey' }).click();
      await page.getByRole('alert').getByText('This passkey cannot open your vault.', { exact: false }).waitFor({ timeout: 30_000 });

      // The other ways in: the Keyhold PIN, kept on this device when no Field notes PIN is typed.
      await page.getByLabel('Choose a PIN for Field notes').fill('');
      await page.getByLabel('Enter that PIN again').fill('');
      await page.getByText('No passkey that opens your vault?').click();
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, 'field-notes-sign-in-without-prf');
      await page.getByLabel('Your Keyhold PIN').fill(PIN);
      await page.getByRole('button', { name: 'Sign in with my Keyhold PIN' }).click();
      await page.getByRole('button', { name: 'New note' }).waitFor({ timeout: 60_000 });

      await page.getByRole('button', { name: 'Lock' }).click();
      await page.getByLabel('Your Field notes PIN').fill(PIN);
      await page.getByRole('button', { name: 'Unlock' }).click();
      await page.getByRole('button', { name: 'New note' }).waitFor({ timeout: 30_000 });
      expect(problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('Keyhold closed the moment PIN recovery was set up: Field notes still gets in with the Keyhold PIN', { timeout: 120_000 }, async () => {
    const { context, page, problems } = await openPhone(rig.browser, rig.server.origin);
    try {
      await addVirtualAuthenticator(page, { prf: false });
      // The key server finishes registering PIN recovery, and Keyhold is gone before it hears so:
      // what it had still to send (the log entry naming the registration, once) never leaves.
      const registered = new Promise<number>((resolve) => {
        void page.route('**/api/recovery/pin/register/finish', async (route) => {
          resolve((await route.fetch()).status());
          await route.abort();
        });
      });
      await onboardInPage(page, 'ada', PIN);
      expect(await registered).toBe(200);

      await page.goto(notes.origin);
      await page.getByLabel('Keyhold username').fill('ada');
      await page.getByText('No passkey that opens your vault?').click();
      await page.getByLabel('Your Keyhold PIN').fill(PIN);
      await page.getByRole('button', { name: 'Sign in with my Keyhold PIN' }).click();
      await page.getByRole('button', { name: 'New note' }).waitFor({ timeout: 60_000 });
      // The lost answer is a failed load; nothing else may appear.
      expect(problems.filter((p) => !/Failed to load resource: net::ERR_FAILED/.test(p))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('without a PRF passkey, gets in with an authenticator code and its own PIN, and syncs a note into its own records', { timeout: 120_000 }, async () => {
    const { context, page, problems } = await openPhone(rig.browser, rig.server.origin);
    try {
      await addVirtualAuthenticator(page, { prf: false });
      await onboardInPage(page, 'ines', PIN);
      const { secret, usedCode } = await enrolAuthenticatorApp(page);

      await page.goto(notes.origin);
      await page.getByLabel('Keyhold username').fill('ines');
      await page.getByLabel('Choose a PIN for Field notes').fill(NOTES_PIN);
      await page.getByLabel('Enter that PIN again').fill(NOTES_PIN);
      await page.getByText('No passkey that opens your vault?').click();
      // The code Keyhold's enrolment spent: refused, in Field notes' own words.
      await page.getByLabel('Code from your authenticator app').fill(usedCode);
      await page.getByRole('button', { name: 'Sign in with a code' }).click();
      const refusal = page.getByRole('alert').getByText('That code is not right, or it was used already: wait for the next one.');
      await refusal.waitFor({ timeout: 30_000 });
      // Said under the button just pressed, at the foot of the form, not up by the passkey button.
      const codeButton = await page.getByRole('button', { name: 'Sign in with a code' }).boundingBox();
      expect((await refusal.boundingBox())!.y).toBeGreaterThan(codeButton!.y);
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, 'field-notes-sign-in-code');

      // The next time step's code: Field notes gets the vault, with the PIN chosen above.
      await page.getByLabel('Code from your authenticator app').fill(await totpCode(secret, 30));
      await page.getByRole('button', { name: 'Sign in with a code' }).click();
      await page.getByRole('button', { name: 'New note' }).click({ timeout: 60_000 });
      await page.getByLabel('Title').fill('Heron nest');
      await page.getByLabel('Note').fill('Two chicks, upper fork of the dead alder.');
      await page.getByRole('button', { name: 'Save note' }).click();
      await page.getByRole('button', { name: /^Heron nest/ }).waitFor();
      await expect.poll(() => page.getByRole('button', { name: /not synced yet$/ }).count()).toBe(0);
      const changes = await apiFrom(page, rig.server.origin, 'GET', '/records/changes?after=0');
      expect(changes.status).toBe(200);
      const noteIds = (changes.body.changes as Array<{ id: string }>).map((change) => change.id);
      expect(noteIds).toHaveLength(1);
      expect(recordRows(rig.server.databaseFile, noteIds[0]!)).toEqual([{ app_id: 'fieldnotes', deleted: 0 }]);

      await page.getByRole('button', { name: 'Lock' }).click();
      await page.getByLabel('Your Field notes PIN').fill(NOTES_PIN);
      await page.getByRole('button', { name: 'Unlock' }).click();
      await page.getByRole('button', { name: /^Heron nest/ }).waitFor({ timeout: 30_000 });
      // The refused code is an HTTP error Chromium logs as a failed load; nothing else may appear.
      expect(problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('gives an origin the key server does not list no CORS headers, and refuses its writes', async () => {
    const keyServer = rig.server.origin;
    const foreign = 'http://localhost:9';
    const preflight = await fetch(`${keyServer}/api/records/abc`, {
      method: 'OPTIONS',
      headers: { Origin: foreign, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect([...preflight.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
    const write = await fetch(`${keyServer}/api/records/abc`, { method: 'PUT', headers: { Origin: foreign, 'content-type': 'application/json' }, body: '{}' });
    expect(write.status).toBe(403);
    expect(write.headers.get('access-control-allow-origin')).toBeNull();
    expect(await write.json()).toMatchObject({ error: { code: 'bad_origin' } });
    // The registered example's origin gets its preflight answered, credentials allowed.
    const allowed = await fetch(`${keyServer}/api/records/abc`, {
      method: 'OPTIONS',
      headers: { Origin: notes.origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(notes.origin);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
  });
});
