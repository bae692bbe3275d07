import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { addVirtualAuthenticator, axeViolations, clearSiteData, launchChromium, onboardInPage, openPhone, startLiveServer, type LiveServer } from './browser';

const PIN = '482915';
const NEW_PIN = '615093';

interface DeviceRow {
  id: string;
  name: string;
}

/**
 * "Browser storage was cleared", recovered by the passkey route end to end: the same phone page
 * keeps its virtual authenticator (and so the credential's PRF secret, which Chromium cannot copy
 * to another authenticator) while the origin's storage, cookies and service worker are wiped. The
 * app then sees a new device; the passkey signs in, its PRF output opens wrap_prf(S), and the
 * vault opens under the same account with a newly registered device.
 */
describe('passkey recovery after the browser storage was cleared, in Chromium', { timeout: 90_000 }, () => {
  let server: LiveServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let devicesBefore: DeviceRow[] = [];
  const hook = (name: string) => page.locator(`[data-test="${name}"]`);
  const listDevices = () =>
    page.evaluate(async () => {
      const res = await fetch('/api/devices');
      return { status: res.status, body: (await res.json()) as unknown };
    });

  beforeAll(async () => {
    server = await startLiveServer();
    browser = await launchChromium();
    ({ page, problems } = await openPhone(browser, server.origin));
    await addVirtualAuthenticator(page, { prf: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('onboards with a PRF passkey and registers this device', async () => {
    await onboardInPage(page, 'erin', PIN);
    const devices = await listDevices();
    expect(devices.status).toBe(200);
    devicesBefore = (devices.body as { devices: DeviceRow[] }).devices;
    expect(devicesBefore).toHaveLength(1);
  });

  it('after the site data is wiped, the same page shows the new-device welcome', async () => {
    await clearSiteData(page, server.origin);
    await page.reload();
    await hook('have-vault').waitFor({ timeout: 20_000 });
    expect(await hook('new-login').count()).toBe(0);
    // Nothing of the old vault survived: no session cookie either.
    expect((await listDevices()).status).toBe(401);
  });

  it('recovers with the same passkey: PRF opens the vault under the same account, on a new device', async () => {
    await hook('have-vault').click();
    await hook('recover-username').fill('erin');
    await hook('recover-next').click();
    await hook('route-passkey').click();
    await hook('recover-new-pin').fill(NEW_PIN);
    await hook('recover-new-pin-confirm').fill(NEW_PIN);
    expect(await axeViolations(page)).toEqual([]);
    await hook('recover-submit').click(); // the virtual authenticator answers with the credential and its PRF output
    await hook('new-login').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('kh-vault h2').textContent()).toContain('erin');
    expect(await axeViolations(page)).toEqual([]);

    const devices = await listDevices();
    expect(devices.status).toBe(200);
    const after = (devices.body as { devices: DeviceRow[] }).devices;
    expect(after).toHaveLength(2);
    expect(after.map((d) => d.id)).toEqual(expect.arrayContaining(devicesBefore.map((d) => d.id)));
    // The 401 above is an HTTP error Chromium logs as a failed load; nothing else may appear.
    expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
  });

  it('the recovered device keeps the passkey: it unlocks with it, and with the new PIN', async () => {
    await hook('lock').click();
    await hook('unlock-passkey').click();
    await hook('new-login').waitFor({ timeout: 20_000 });
    await hook('lock').click();
    await hook('pin').fill(NEW_PIN);
    await hook('unlock').click();
    await hook('new-login').waitFor({ timeout: 20_000 });
    expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
  });
});
