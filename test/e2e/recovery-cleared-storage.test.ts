import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { addVirtualAuthenticator, axeViolations, clearSiteData, onboardInPage, openPhone } from './browser';
import { startJourneyRig } from './journeys';

const PIN = '482915';
const NEW_PIN = '615093';

interface DeviceRow {
  id: string;
  name: string;
}

/** A phone of its own for one journey, with a passkey (PRF) and a username no other journey uses. */
interface Phone {
  page: Page;
  hook: (name: string) => ReturnType<Page['locator']>;
  username: string;
  /** CSP violations and script errors so far. */
  problems: string[];
}

const rig = startJourneyRig();
let accounts = 0;

/** The 401 of a request without a session (after the wipe) is an HTTP error Chromium logs as a failed load; nothing else may appear. */
const unexpected = (problems: string[]) => problems.filter((p) => !/status of 401/.test(p));

/**
 * Each journey gets a fresh phone (its own context, storage and virtual authenticator), closed
 * after it, and sets up what it needs itself: no journey starts from what another left behind.
 */
const it = test.extend<{ phone: Phone }>({
  phone: async ({}, use) => {
    const { context, page, problems } = await openPhone(rig.browser, rig.server.origin);
    await addVirtualAuthenticator(page, { prf: true });
    try {
      await use({ page, hook: (name) => page.locator(`[data-test="${name}"]`), username: `erin${++accounts}`, problems });
    } finally {
      await context.close();
    }
    expect(unexpected(problems)).toEqual([]);
  },
});

const listDevices = (page: Page) =>
  page.evaluate(async () => {
    const res = await fetch('/api/devices');
    return { status: res.status, body: (await res.json()) as unknown };
  });

/** Onboards `phone` and returns the key server's device list (this one device). */
async function onboard({ page, username }: Phone): Promise<DeviceRow[]> {
  await onboardInPage(page, username, PIN);
  const devices = await listDevices(page);
  expect(devices.status).toBe(200);
  return (devices.body as { devices: DeviceRow[] }).devices;
}

/** "Clear site data" on the open page, then a reload: resolves when the new-device welcome shows. */
async function wipeAndReload({ page, hook }: Phone): Promise<void> {
  await clearSiteData(page, rig.server.origin);
  await page.reload();
  await hook('have-vault').waitFor({ timeout: 20_000 });
}

/** Passkey recovery on the welcome screen, with NEW_PIN; `checkPage` runs before submitting. */
async function recoverWithPasskey({ page, hook, username }: Phone, checkPage: () => Promise<void> = async () => {}): Promise<void> {
  await hook('have-vault').click();
  await hook('recover-username').fill(username);
  await hook('recover-next').click();
  await hook('route-passkey').click();
  await hook('recover-new-pin').fill(NEW_PIN);
  await hook('recover-new-pin-confirm').fill(NEW_PIN);
  await checkPage();
  await hook('recover-submit').click(); // the virtual authenticator answers with the credential and its PRF output
  await hook('new-login').waitFor({ timeout: 30_000 });
  await expect.poll(() => page.locator('kh-vault h2').textContent()).toContain(username);
}

/**
 * "Browser storage was cleared", recovered by the passkey route end to end: the same phone page
 * keeps its virtual authenticator (and so the credential's PRF secret, which Chromium cannot copy
 * to another authenticator) while the origin's storage, cookies and service worker are wiped. The
 * app then sees a new device; the passkey signs in, its PRF output opens wrap_prf(S), and the
 * vault opens under the same account with a newly registered device.
 */
describe('passkey recovery after the browser storage was cleared, in Chromium', { timeout: 90_000 }, () => {

  it('onboards with a PRF passkey and registers this device', async ({ phone }) => {
    expect(await onboard(phone)).toHaveLength(1);
  });

  it('after the site data is wiped, the same page shows the new-device welcome', async ({ phone }) => {
    const { page, hook } = phone;
    await onboard(phone);
    await wipeAndReload(phone);
    expect(await hook('new-login').count()).toBe(0);
    // Nothing of the old vault survived: no session cookie either.
    expect((await listDevices(page)).status).toBe(401);
  });

  it('recovers with the same passkey: PRF opens the vault under the same account, on a new device', async ({ phone }) => {
    const { page } = phone;
    const devicesBefore = await onboard(phone);
    await wipeAndReload(phone);
    await recoverWithPasskey(phone, async () => expect(await axeViolations(page)).toEqual([]));
    expect(await axeViolations(page)).toEqual([]);

    const devices = await listDevices(page);
    expect(devices.status).toBe(200);
    const after = (devices.body as { devices: DeviceRow[] }).devices;
    expect(after).toHaveLength(2);
    expect(after.map((d) => d.id)).toEqual(expect.arrayContaining(devicesBefore.map((d) => d.id)));
    expect(unexpected(phone.problems)).toEqual([]);
  });

  it('the recovered device keeps the passkey: it unlocks with it, and with the new PIN', async ({ phone }) => {
    const { hook } = phone;
    await onboard(phone);
    await wipeAndReload(phone);
    await recoverWithPasskey(phone);
    await hook('lock').click();
    await hook('unlock-passkey').click();
    await hook('new-login').waitFor({ timeout: 20_000 });
    await hook('lock').click();
    await hook('pin').fill(NEW_PIN);
    await hook('unlock').click();
    await hook('new-login').waitFor({ timeout: 20_000 });
    expect(unexpected(phone.problems)).toEqual([]);
  });
});
