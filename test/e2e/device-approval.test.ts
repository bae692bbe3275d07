import { afterEach, describe, expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { NOTES_APP, NOTES_ORIGIN } from '../helpers/harness';
import { axeViolations, onboardInPage, openSettings } from './browser';
import { screenshot, startJourneyRig, testWithPhones } from './journeys';
import { otherAppVault, registerFieldNotes, withFakeIndexedDb } from './other-app-device';

const PIN = '482915';
const NEW_PIN = '615093';

let accounts = 0;

/** Each journey opens its own phones, all closed after it. */
const rig = startJourneyRig();
const it = testWithPhones(rig);

const shot = (page: Page, name: string) => screenshot(page, `approval-${name}`);
const words = async (list: Locator) => (await list.getByRole('listitem').allTextContents()).map((w) => w.trim());
/** The 5 words on the new device, and the same request as the open vault shows it. */
const askingPhrase = (page: Page) => page.getByRole('list', { name: 'Words to compare' });
const approvingPhrase = (page: Page) => page.getByRole('list', { name: 'Words the new device must show' });

/** A key fingerprint as the devices and passkeys screens show it. */
const FINGERPRINT = /^[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}$/;

/** Settings → Devices & passkeys on `page`: the fingerprints of the devices listed as the account's, once both are there. */
async function accountDeviceFingerprints(page: Page): Promise<string[]> {
  await openSettings(page, 'Devices & passkeys');
  const devices = page.getByRole('list', { name: 'Devices', exact: true }).getByRole('listitem');
  await expect.poll(() => devices.count()).toBe(2);
  await expect.poll(() => devices.getByText('Key fingerprint').count()).toBe(2);
  // Both added through the account log by this account's own devices: nothing "Not added by you".
  expect(await page.getByRole('heading', { name: 'Not added by you' }).count()).toBe(0);
  expect(await page.getByRole('alert').filter({ hasText: 'Check who can open your account' }).count()).toBe(0);
  return (await devices.getByText(FINGERPRINT).allTextContents()).map((f) => f.trim()).sort();
}

/** A onboards and saves the note "Wi-Fi", which reaches the server. */
async function firstPhoneWithNote(page: Page, username: string): Promise<void> {
  await onboardInPage(page, username, PIN);
  await page.getByRole('button', { name: 'New note' }).click();
  await page.getByLabel('Title').fill('Wi-Fi');
  await page.getByLabel('Note').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('[data-test="record"]').filter({ hasText: 'Wi-Fi' }).waitFor();
  await expect.poll(() => page.locator('[data-test="unsynced"]').count()).toBe(0);
}

/** B, with no vault: "I already have a vault" → username → "With another device I have" → a new PIN → ask. */
async function askToJoin(page: Page, username: string): Promise<string[]> {
  await page.goto('/');
  await page.getByRole('button', { name: 'I already have a vault' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'With another device I have' }).click();
  await page.getByLabel('New PIN for this device', { exact: true }).fill(NEW_PIN);
  await page.getByLabel('Repeat new PIN for this device', { exact: true }).fill(NEW_PIN);
  await page.getByRole('button', { name: 'Ask my other device' }).click();
  await askingPhrase(page).waitFor({ timeout: 20_000 });
  const phrase = await words(askingPhrase(page));
  expect(phrase).toHaveLength(5);
  return phrase;
}

/** A opens the app again (a reload, then the PIN): the sync run of opening finds the request. */
async function reopen(page: Page): Promise<void> {
  await page.reload();
  await page.getByLabel('PIN', { exact: true }).fill(PIN);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
}

describe('approving a new device from one already in the account', { timeout: 120_000 }, () => {
  it('B asks with 5 words, A shows the same words and approves, B opens the vault with its new PIN and has A\'s note; both phones list both devices with the same fingerprints', async ({ phone }) => {
    const username = `approve${++accounts}`;
    const { page: a } = await phone();
    await firstPhoneWithNote(a, username);
    const { page: b } = await phone();
    const phrase = await askToJoin(b, username);
    await b.getByRole('button', { name: 'Cancel request' }).waitFor();
    expect(await axeViolations(b)).toEqual([]);
    await shot(b, 'asking');

    await reopen(a);
    await approvingPhrase(a).waitFor({ timeout: 20_000 });
    expect(await words(approvingPhrase(a))).toEqual(phrase);
    await a.getByRole('heading', { name: /^A new device wants to join: / }).waitFor();
    expect(await axeViolations(a)).toEqual([]);
    await shot(a, 'request');
    await a.getByRole('button', { name: 'Approve' }).click();
    await a.getByRole('status').filter({ hasText: /^Approved\./ }).waitFor();
    await shot(a, 'approved');

    await b.getByRole('button', { name: 'New note' }).waitFor({ timeout: 30_000 });
    await b.locator('[data-test="record"]').filter({ hasText: 'Wi-Fi' }).waitFor({ timeout: 20_000 });
    await shot(b, 'joined');
    await b.getByRole('button', { name: 'Lock' }).click();
    await b.getByLabel('PIN', { exact: true }).fill(NEW_PIN);
    await b.getByRole('button', { name: 'Unlock', exact: true }).click();
    await b.getByRole('button', { name: 'New note' }).waitFor({ timeout: 30_000 });

    const onA = await accountDeviceFingerprints(a);
    expect(onA).toHaveLength(2);
    expect(new Set(onA).size).toBe(2);
    expect(await axeViolations(a)).toEqual([]);
    await shot(a, 'devices-a');
    // B verified the account's whole log from its first entry, and names the same two keys.
    expect(await accountDeviceFingerprints(b)).toEqual(onA);
    expect(await axeViolations(b)).toEqual([]);
    await shot(b, 'devices-b');
  });

  it('B hears that A denied it, and keeps no vault', async ({ phone }) => {
    const username = `deny${++accounts}`;
    const { page: a } = await phone();
    await firstPhoneWithNote(a, username);
    const { page: b } = await phone();
    await askToJoin(b, username);
    await reopen(a);
    await approvingPhrase(a).waitFor({ timeout: 20_000 });
    await a.getByRole('button', { name: 'Deny' }).click();
    await a.getByRole('status').filter({ hasText: /^Denied\./ }).waitFor();

    const alert = b.getByRole('alert').filter({ hasText: 'Your other device refused this request.' });
    await alert.waitFor({ timeout: 20_000 });
    await b.getByRole('button', { name: 'Ask my other device' }).waitFor();
    expect(await axeViolations(b)).toEqual([]);
    await shot(b, 'denied');
    expect(await b.evaluate(async () => (await fetch('/api/session')).status)).toBe(401);
  });

  const cleanUp: Array<() => void> = [];
  afterEach(() => {
    for (const step of cleanUp.splice(0).reverse()) step();
  });

  it('A approves a Field notes device: the card names Field notes, and that device joins under its own app and syncs its notes', async ({ phone }) => {
    const username = `approve-notes${++accounts}`;
    const { page: a } = await phone();
    await firstPhoneWithNote(a, username);

    // Field notes on another device (the SDK with appId 'fieldnotes', from its own origin) asks to join.
    await registerFieldNotes(rig.server);
    cleanUp.push(withFakeIndexedDb());
    const { vault: notes, close } = otherAppVault({ appId: NOTES_APP.id, origin: NOTES_ORIGIN, keyServer: rig.server.origin, deviceName: 'Field phone' });
    cleanUp.push(close);
    await notes.start();
    let shown!: (words: string[]) => void;
    const phrase = new Promise<string[]>((resolve) => (shown = resolve));
    const joined = notes.recovery.withApproval(username, NEW_PIN, NEW_PIN, { onPhrase: shown });
    joined.catch(() => {});
    // Its words are shown once the key server holds the request: A's next sync run finds it.
    const asked = await phrase;

    await reopen(a);
    await approvingPhrase(a).waitFor({ timeout: 20_000 });
    expect(await words(approvingPhrase(a))).toEqual(asked);
    await a.getByRole('heading', { name: 'A new device wants to join: Field notes on Field phone' }).waitFor();
    expect(await axeViolations(a)).toEqual([]);
    await shot(a, 'request-fieldnotes');
    await a.getByRole('button', { name: 'Approve' }).click();
    await a.getByRole('status').filter({ hasText: 'Approved. Field notes on Field phone can now open your vault.' }).waitFor();

    await joined;
    await notes.records.save(null, { kind: 'note', title: 'Trailhead', body: 'cairn by the footbridge', location: { latitude: 46.786, longitude: -121.735 } });
    await notes.sync.now();
    expect(notes.sync.status).toMatchObject({ failure: null, pending: 0 });

    // Keyhold lists it under Field notes, added through the account log (nothing "Not added by you").
    await openSettings(a, 'Devices & passkeys');
    const fieldNotes = a.getByRole('list', { name: 'Field notes', exact: true }).getByRole('listitem');
    await fieldNotes.getByText('Field phone').waitFor();
    await fieldNotes.getByText('Key fingerprint').waitFor();
    expect(await a.getByRole('heading', { name: 'Not added by you' }).count()).toBe(0);
    expect(await axeViolations(a)).toEqual([]);
  });
});
