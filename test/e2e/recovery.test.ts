import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { totpCode } from './authenticator-app';
import { addVirtualAuthenticator, axeViolations, openPhone, openSettings, settingsEntry } from './browser';
import { startJourneyRig } from './journeys';

const PIN = '482915';
const WRONG_PIN = '730264';
const NEW_PIN = '615093';

/**
 * A second device joins an existing vault by the PIN route: device A onboards (which registers
 * PIN recovery in the background) and adds a record; device B, a fresh browser context with its
 * own authenticator, recovers with the PIN. Records sync is not built yet, so B shows the vault
 * (the username) but not A's records.
 */
describe('recovery on a new device, in Chromium', { timeout: 90_000 }, () => {
  const rig = startJourneyRig();
  let pageA: Page;
  let pageB: Page;
  let problemsB: string[];
  let totpSecret = '';
  let authenticatorA: Awaited<ReturnType<typeof addVirtualAuthenticator>>;
  const hook = (page: Page, name: string) => page.locator(`[data-test="${name}"]`);

  beforeAll(async () => {
    ({ page: pageA } = await openPhone(rig.browser, rig.server.origin));
    authenticatorA = await addVirtualAuthenticator(pageA, { prf: true });
    ({ page: pageB, problems: problemsB } = await openPhone(rig.browser, rig.server.origin));
    await addVirtualAuthenticator(pageB, { prf: true });
  });

  it('device A onboards, adds a record, and its PIN recovery reaches the server', async () => {
    await pageA.goto('/');
    await hook(pageA, 'username').fill('alice');
    await hook(pageA, 'create-passkey').click();
    await hook(pageA, 'pin').fill(PIN);
    await hook(pageA, 'pin-confirm').fill(PIN);
    await hook(pageA, 'save-pin').click();
    await hook(pageA, 'new-note').click({ timeout: 20_000 });
    await hook(pageA, 'record-title').fill('Wi-Fi');
    await hook(pageA, 'record-body').fill('correct horse battery staple');
    await hook(pageA, 'record-save').click();
    await expect.poll(() => hook(pageA, 'record').count()).toBe(1);
    const pinActive = () =>
      pageA.evaluate(async () => ((await (await fetch('/api/recovery/status')).json()) as { pin?: { active?: boolean } }).pin?.active === true);
    await expect.poll(pinActive, { timeout: 30_000 }).toBe(true);
  });

  it('device B: a wrong PIN says how many guesses are left', async () => {
    await pageB.goto('/');
    await hook(pageB, 'have-vault').click();
    await hook(pageB, 'recover-username').fill('alice');
    expect(await axeViolations(pageB)).toEqual([]);
    await hook(pageB, 'recover-next').click();
    expect(await axeViolations(pageB)).toEqual([]);
    await hook(pageB, 'route-pin').click();
    await hook(pageB, 'recover-pin').fill(WRONG_PIN);
    expect(await axeViolations(pageB)).toEqual([]);
    await hook(pageB, 'recover-submit').click();
    await expect.poll(() => hook(pageB, 'recover-error').textContent(), { timeout: 30_000 }).toMatch(/9 guesses left/);
  });

  it('device B: the right PIN opens the vault under the same username', async () => {
    await hook(pageB, 'recover-pin').fill(PIN);
    await hook(pageB, 'recover-submit').click();
    await hook(pageB, 'new-login').waitFor({ timeout: 30_000 });
    await expect.poll(() => pageB.locator('kh-vault h2').textContent()).toContain('alice');
    expect(await axeViolations(pageB)).toEqual([]);
    // Wrong-PIN answers are HTTP errors Chromium logs as failed loads; nothing else may appear.
    expect(problemsB.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
  });

  it('device A enrols an authenticator app in settings (QR code and secret shown), and the Recovery section shows it at once', async () => {
    await openSettings(pageA, 'Recovery');
    await expect.poll(() => hook(pageA, 'recovery-totp-status').textContent(), { timeout: 20_000 }).toBe('Not set up.');
    await hook(pageA, 'totp-start').click();
    const secret = (await hook(pageA, 'totp-secret').textContent({ timeout: 20_000 }))!.trim();
    expect(secret).toMatch(/^[A-Z2-7]+=*$/);
    await expect.poll(() => hook(pageA, 'totp-qr').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    expect(await axeViolations(pageA)).toEqual([]);
    await hook(pageA, 'totp-code').fill(await totpCode(secret));
    await hook(pageA, 'totp-confirm').click();
    await hook(pageA, 'totp-enrolled').waitFor({ timeout: 20_000 });
    // kh-totp-enrolled makes the Recovery section read the status again: no reopening of settings.
    await expect.poll(() => hook(pageA, 'recovery-totp-status').textContent(), { timeout: 20_000 }).toBe('Active.');
    expect(await hook(pageA, 'recovery-turn-off-totp').isVisible()).toBe(true);
    totpSecret = secret;
  });

  it('device C recovers with an authenticator code and a new PIN', async () => {
    const { page: pageC, problems } = await openPhone(rig.browser, rig.server.origin);
    await addVirtualAuthenticator(pageC, { prf: true });
    await pageC.goto('/');
    await hook(pageC, 'have-vault').click();
    await hook(pageC, 'recover-username').fill('alice');
    await hook(pageC, 'recover-next').click();
    await hook(pageC, 'route-totp').click();
    await hook(pageC, 'recover-new-pin').fill(NEW_PIN);
    await hook(pageC, 'recover-new-pin-confirm').fill(NEW_PIN);
    // The next time step's code: the enrolment used this one, and a code is accepted once.
    await hook(pageC, 'recover-code').fill(await totpCode(totpSecret, 30));
    expect(await axeViolations(pageC)).toEqual([]);
    await hook(pageC, 'recover-submit').click();
    await hook(pageC, 'new-login').waitFor({ timeout: 30_000 });
    await expect.poll(() => pageC.locator('kh-vault h2').textContent()).toContain('alice');
    expect(problems).toEqual([]);
  });

  // Before device D: D's copy of A's passkey signs in, and A's own counter then lags the server's.
  it('device A: settings show the recovery routes, turn the authenticator app off with a passkey, and list the activity', async () => {
    // Settings are still open on Recovery from the enrolment above.
    await expect.poll(() => hook(pageA, 'recovery-pin-status').textContent(), { timeout: 20_000 }).toMatch(/Active: \d+ guesses left/);
    expect(await hook(pageA, 'recovery-totp-status').textContent()).toBe('Active.');
    expect(await hook(pageA, 'recovery-passkey-status').textContent()).toMatch(/can open the vault/);
    expect(await axeViolations(pageA)).toEqual([]);

    await hook(pageA, 'recovery-turn-off-totp').click();
    await hook(pageA, 'recovery-cancel-totp').click(); // "Keep it" leaves the route alone
    await hook(pageA, 'recovery-turn-off-totp').click();
    expect(await axeViolations(pageA)).toEqual([]);
    await hook(pageA, 'recovery-confirm-totp').click(); // the virtual authenticator answers the passkey prompt
    await expect.poll(() => hook(pageA, 'recovery-totp-status').textContent(), { timeout: 20_000 }).toMatch(/Not set up/);
    expect(await hook(pageA, 'recovery-turned-off').textContent()).toMatch(/Authenticator app recovery is off/);
    expect(await hook(pageA, 'recovery-pin-status').textContent()).toMatch(/Active/);
    // The set-up section below follows at once: it offers enrolment again.
    await hook(pageA, 'totp-start').waitFor();
    expect(await hook(pageA, 'totp-enrolled').count()).toBe(0);
    for (const button of await pageA.locator('kh-recovery-settings button').all()) {
      expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    }

    // The activity is under Data.
    await pageA.getByRole('button', { name: 'Back to settings' }).click();
    await settingsEntry(pageA, 'Data').click();
    await hook(pageA, 'activity-event').first().waitFor({ timeout: 20_000 });
    const activity = await hook(pageA, 'activity-list').innerText();
    expect(activity).toContain('Authenticator app recovery turned off');
    expect(activity).toContain('Signed in with a passkey');
    expect(activity).toContain('Authenticator app set up for recovery');
    expect(activity).toContain('PIN recovery set up');
    expect(await axeViolations(pageA)).toEqual([]);
    for (const button of await pageA.locator('kh-audit-log button').all()) {
      expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    }
  });

  it('device D, with the passkey synced but no PRF, is told to use the PIN or an authenticator code', async () => {
    const { cdp: cdpA, authenticatorId: fromA } = authenticatorA;
    const { credentials } = await cdpA.send('WebAuthn.getCredentials', { authenticatorId: fromA });
    const { page: pageD } = await openPhone(rig.browser, rig.server.origin);
    const { cdp, authenticatorId } = await addVirtualAuthenticator(pageD, { prf: false });
    for (const credential of credentials) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    await pageD.goto('/');
    await hook(pageD, 'have-vault').click();
    await hook(pageD, 'recover-username').fill('alice');
    await hook(pageD, 'recover-next').click();
    await hook(pageD, 'route-passkey').click();
    await hook(pageD, 'recover-new-pin').fill(NEW_PIN);
    await hook(pageD, 'recover-new-pin-confirm').fill(NEW_PIN);
    expect(await axeViolations(pageD)).toEqual([]);
    await hook(pageD, 'recover-submit').click();
    await expect.poll(() => hook(pageD, 'recover-error').textContent(), { timeout: 30_000 }).toMatch(/PIN or an authenticator app code/);
  });
});
